"""The triage routes: the questionnaire, and an assessment of answers."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.types import Scope

from app.content.router import SnapshotDep
from app.content.snapshot import SnapshotStore
from app.core.edge import BodyResponder
from app.core.errors import AppError, ServiceUnavailable, UnsupportedMediaType, problem_responses
from app.core.http import Headers, PreparedResponse, accepts, cached_responses, is_json, represent
from app.triage.ruleset import UNSURE
from app.triage.schemas import Questionnaire, TriageResult
from app.triage.service import Triage
from seed.loader import parse_ruleset

router = APIRouter(prefix="/v1/triage", tags=["triage"])
TRIAGE_PATH = "/v1/triage"


def current_triage(snapshot: SnapshotDep) -> Triage:
    """The ruleset in force; 503 until one is loaded."""
    if snapshot.triage is None:
        raise ServiceUnavailable("The triage ruleset is not loaded yet; try again shortly.")
    return snapshot.triage


TriageDep = Annotated[Triage, Depends(current_triage)]


def _request_schema() -> dict[str, Any]:
    """The request body schema, from the ruleset the seed ships: one property per question."""
    document = parse_ruleset()
    answers = {
        q.id: (
            {"enum": [True, False, UNSURE, None], "description": q.text}
            if q.type == "bool"
            else {
                "type": ["integer", "null"],
                "format": "int32",
                "minimum": q.min,
                "maximum": q.max,
                "description": q.text,
            }
        )
        for q in document.questions
    }
    example: dict[str, Any] = {
        "answers": {q.id: (False if q.type == "bool" else q.min or 1) for q in document.questions}
    }
    example["answers"].update(
        {
            "age": 30,
            "duration_days": 2,
            "pain_severity": 4,
            "painkillers_not_helping": UNSURE,
            "started_after_strain": True,
        }
    )
    example["region"] = "GB"
    regions = sorted(region.code for region in document.regions)
    schema = {
        "type": "object",
        "required": ["answers"],
        "additionalProperties": False,
        "properties": {
            "answers": {
                "type": "object",
                "additionalProperties": False,
                "properties": answers,
                "description": (
                    'Answers by question id: yes/no questions take true, false or "unsure"; number questions'
                    " an integer in range. null or absent means unanswered. A key given twice is a 422."
                ),
            },
            "region": {
                "enum": [*regions, None],
                "description": "Where the person is (ISO 3166 alpha-2); absent or null uses the deployment's REGION.",
            },
        },
    }
    return {"required": True, "content": {"application/json": {"schema": schema, "example": example}}}


@router.get(
    "/questionnaire",
    summary="The triage questionnaire",
    response_model=Questionnaire,
    responses={
        **cached_responses(
            {
                "content": {
                    "application/fhir+json": {"schema": {"type": "object", "description": "FHIR R4 Questionnaire"}}
                }
            }
        ),
        **problem_responses(503),
    },
)
async def questionnaire(request: Request, triage: TriageDep) -> PreparedResponse:
    """The questions in three steps, red flags first; a FHIR R4 Questionnaire with Accept: application/fhir+json."""
    chosen = triage.fhir if accepts(request.headers.get("accept"), "application/fhir+json") else triage.questionnaire
    return represent(chosen, request.headers.raw)


@router.post(
    "",
    summary="Assess answers",
    response_model=TriageResult,
    responses=problem_responses(400, 413, 415, 422, 503),
    openapi_extra={"requestBody": _request_schema()},
)
async def assess_answers(request: Request, triage: TriageDep) -> PreparedResponse:
    """How soon and where to get care, and why; or the questions still needed. Nothing is stored."""
    if not is_json(request.headers.raw):
        raise UnsupportedMediaType("Send the answers as application/json.")
    return PreparedResponse(*triage.answer(await request.body()))


def triage_responder(store: SnapshotStore) -> BodyResponder:
    """Answers a well-formed triage POST without the framework; anything else goes to the route."""

    def respond(scope: Scope, body: bytes) -> tuple[int, Headers, bytes] | None:
        snapshot = store.current
        if snapshot is None or snapshot.triage is None:
            return None
        if not is_json(scope["headers"]):
            return None
        try:
            return snapshot.triage.answer(body)
        except AppError:
            return None

    return respond
