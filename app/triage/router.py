"""The triage routes: the questionnaire, and an assessment of answers."""

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Request

from app.core.errors import ServiceUnavailable, UnsupportedMediaType, problem_responses
from app.core.http import PreparedResponse, accepts, cached_responses, is_json, represent
from app.core.served import current_snapshot
from app.triage.openapi import request_body
from app.triage.schemas import Questionnaire, TriageResult
from app.triage.service import Triage

router = APIRouter(prefix="/v1/triage", tags=["triage"])
TRIAGE_PATH = "/v1/triage"


class TriageView(Protocol):
    """What the triage routes read from the snapshot in memory."""

    triage: Triage | None


def current_triage(snapshot: Annotated[TriageView, Depends(current_snapshot)]) -> Triage:
    """The ruleset in force; 503 until one is loaded."""
    if snapshot.triage is None:
        raise ServiceUnavailable("The triage ruleset is not loaded yet; try again shortly.")
    return snapshot.triage


TriageDep = Annotated[Triage, Depends(current_triage)]


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
    # The served ruleset's questions replace this generic schema when the document is built.
    openapi_extra={"requestBody": request_body(None)},
)
async def assess_answers(request: Request, triage: TriageDep) -> PreparedResponse:
    """How soon and where to get care, and why; or the questions still needed. Nothing is stored."""
    if not is_json(request.headers.raw):
        raise UnsupportedMediaType("Send the answers as application/json.")
    return PreparedResponse(*triage.answer(await request.body()))
