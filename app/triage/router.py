"""The triage routes: the questionnaire, and an assessment of answers."""

from functools import cache
from pathlib import Path
from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app import __version__
from app.core.deps import ServicesDep, public_base, settings
from app.core.errors import ServiceUnavailable, UnsupportedMediaType, problem_responses
from app.core.media import FHIR_JSON, JAVASCRIPT, accepts, is_fhir, is_json
from app.core.openapi_docs import cached_responses, text_file_doc
from app.core.representation import (
    JavaScriptResponse,
    PreparedResponse,
    Representation,
    represent,
    script_representation,
)
from app.triage.fhir import QUESTIONNAIRE_ID
from app.triage.fhir_replies import answer_fhir, fhir_resource
from app.triage.request_schema import request_body
from app.triage.schemas import Questionnaire, TriageResult
from app.triage.served import ServedTriage

router = APIRouter(prefix="/v1/triage", tags=["triage"])


class FhirResponse(Response):
    """A FHIR JSON resource (for OpenAPI's media type)."""

    media_type = FHIR_JSON


TRIAGE_PATH = "/v1/triage"


class TriageView(Protocol):
    """What the triage routes read from the snapshot in memory."""

    triage: ServedTriage | None


def current_triage(services: ServicesDep) -> ServedTriage:
    """The ruleset in force; 503 until one is loaded (`app.serving.views` checks the snapshot is a TriageView)."""
    snapshot = cast(TriageView, services.snapshot())
    if snapshot.triage is None:
        raise ServiceUnavailable("The triage ruleset is not loaded yet; try again shortly.")
    return snapshot.triage


TriageDep = Annotated[ServedTriage, Depends(current_triage)]


@router.get(
    "/questionnaire",
    summary="The triage questionnaire",
    response_model=Questionnaire,
    description="The questions in three steps, red flags first. With `Accept: application/fhir+json` the same URL "
    "answers with the FHIR R4 Questionnaire that `/fhir/Questionnaire/back-pain-triage` serves.",
    responses={**cached_responses(), **problem_responses(503)},
)
async def get_questionnaire(request: Request, triage: TriageDep) -> PreparedResponse:
    """The questions in three steps, red flags first; a FHIR R4 Questionnaire with Accept: application/fhir+json."""
    if accepts(request.headers.get("accept"), FHIR_JSON):
        return represent(_fhir(request, triage, "questionnaire"), request.headers.raw)
    return represent(triage.questionnaire, request.headers.raw)


def _fhir(request: Request, triage: ServedTriage, kind: str) -> Representation:
    return fhir_resource(triage, kind, base=public_base(request), publisher=settings(request).publisher_name)


@router.post(
    "",
    summary="Assess answers",
    response_model=TriageResult,
    # The FHIR answer is described, not a second media type of the 200: generated clients would type
    # every JSON result as a union with it.
    description="The answers in, how soon and where to get care out. A FHIR R4 QuestionnaireResponse body "
    "(`Content-Type: application/fhir+json`) is assessed the same way; with `Accept: application/fhir+json` "
    "the answer is a FHIR R4 GuidanceResponse, and refusals an OperationOutcome.",
    responses={
        **problem_responses(400, 413, 415, 422, 503),
    },
    # The served ruleset's questions replace this generic schema when the document is built.
    openapi_extra={"requestBody": request_body(None)},
)
async def assess_triage(request: Request, triage: TriageDep) -> PreparedResponse:
    """How soon and where to get care, and why; or the questions still needed. Nothing is stored.

    With `Content-Type: application/fhir+json`, the body is a QuestionnaireResponse to the FHIR
    questionnaire, assessed exactly as its JSON form would be; with `Accept: application/fhir+json`, the
    result is a GuidanceResponse and a refusal is an OperationOutcome."""
    if is_fhir(request.headers.raw):
        fhir_out = accepts(request.headers.get("accept"), FHIR_JSON)
        body = await request.body()
        return PreparedResponse(*answer_fhir(triage, body, base=public_base(request), fhir_out=fhir_out))
    if not is_json(request.headers.raw):
        raise UnsupportedMediaType(
            "Send the answers as application/json, or a QuestionnaireResponse as application/fhir+json."
        )
    return PreparedResponse(*triage.answer(await request.body()))


fhir_router = APIRouter(prefix="/fhir", tags=["fhir"])
_FHIR_RESOURCE = {"content": {FHIR_JSON: {"schema": {"type": "object", "additionalProperties": True}}}}


@fhir_router.get(
    f"/Questionnaire/{QUESTIONNAIRE_ID}",
    summary="The triage Questionnaire (FHIR R4)",
    response_class=FhirResponse,
    responses={**cached_responses(_FHIR_RESOURCE), **problem_responses(503)},
)
async def get_fhir_questionnaire(request: Request, triage: TriageDep) -> PreparedResponse:
    """The questionnaire's canonical URL: the FHIR R4 Questionnaire of the ruleset in force."""
    return represent(_fhir(request, triage, "questionnaire"), request.headers.raw)


@fhir_router.get(
    "/CodeSystem/triage-level",
    summary="The code system of triage levels",
    response_class=FhirResponse,
    responses={**cached_responses(_FHIR_RESOURCE), **problem_responses(503)},
)
async def get_level_code_system(request: Request, triage: TriageDep) -> PreparedResponse:
    """The levels a GuidanceResponse codes its result with, most urgent first."""
    return represent(_fhir(request, triage, "level"), request.headers.raw)


@fhir_router.get(
    "/CodeSystem/triage-timeframe",
    summary="The code system of triage timeframes",
    response_class=FhirResponse,
    responses={**cached_responses(_FHIR_RESOURCE), **problem_responses(503)},
)
async def get_timeframe_code_system(request: Request, triage: TriageDep) -> PreparedResponse:
    """How soon to act, as a GuidanceResponse codes it."""
    return represent(_fhir(request, triage, "timeframe"), request.headers.raw)


@cache
def engine_script() -> Representation:
    """The offline triage engine, its version filled in, prepared once."""
    engine = Path(__file__).with_name("engine.js")
    return script_representation(engine, b"__APP_VERSION__", name="engine", version=__version__)


engine_router = APIRouter(tags=["triage"])


@engine_router.get(
    "/triage-engine.js",
    summary="The triage engine, for offline use",
    response_class=JavaScriptResponse,
    responses=cached_responses(
        text_file_doc(
            JAVASCRIPT,
            "A dependency-free ES module: `assess(ruleset, answers, {region, treatments, now, knownVersion})`"
            " gives the result `POST /v1/triage` would, from the `ruleset` of /v1/export. It throws"
            " `RulesetRefused` for a ruleset it cannot evaluate in full (a newer `engine_version`, an unknown"
            " field, operator or reference), one past its `valid_until`, or one older than `knownVersion`;"
            " the app then asks the API, or shows the emergency signs and numbers.",
        )
    ),
)
async def get_triage_engine(request: Request) -> PreparedResponse:
    """The ES module that evaluates the exported ruleset offline, exactly as the API does."""
    return represent(engine_script(), request.headers.raw)
