"""The triage's FHIR replies: its Questionnaire and code systems prepared for a base URL, and the answer
to a QuestionnaireResponse."""

from typing import Any

import orjson
from pydantic import ValidationError

from app.core.errors import AppError, InvalidInput
from app.core.media import FHIR_JSON, JSON_CONTENT_TYPE, content_type
from app.core.representation import Headers, Representation
from app.triage.bodies import given_twice, read_strictly
from app.triage.engine import parse_answers
from app.triage.fhir import (
    check_depth,
    code_system,
    fhir_questionnaire,
    guidance_response,
    operation_outcome,
    response_answers,
)
from app.triage.served import ServedTriage, private_headers

FHIR_CONTENT_TYPE = content_type(FHIR_JSON)
_CACHE_SIZE = 64  # resources per base URL and publisher; more are built per request


def fhir_resource(triage: ServedTriage, kind: str, *, base: str, publisher: str) -> Representation:
    """The Questionnaire (`questionnaire`) or a code system (`level`, `timeframe`), for this base URL."""
    key = (kind, base, publisher)
    found = triage.fhir_resources.get(key)
    if found is None:
        if kind == "questionnaire":
            resource = fhir_questionnaire(
                triage.engine,
                base=base,
                publisher=publisher,
                loaded=triage.loaded_at,
                question_codes=triage.question_codes,
            )
        else:
            resource = code_system(kind, triage.engine, base=base, publisher=publisher, say=triage.voices[None])
        found = Representation.build(
            orjson.dumps(resource),
            media_type=FHIR_CONTENT_TYPE,
            vary=b"Accept, Accept-Encoding",
            cache_control=triage.cache_control,
        )
        if len(triage.fhir_resources) < _CACHE_SIZE:
            triage.fhir_resources[key] = found
    return found


def answer_fhir(triage: ServedTriage, body: bytes, *, base: str, fhir_out: bool) -> tuple[int, Headers, bytes]:
    """The response to a QuestionnaireResponse body: assessed exactly as its JSON form would be, and
    sent back as a GuidanceResponse when `fhir_out`; refusals as an OperationOutcome then."""
    try:
        resource = read_strictly(body)
        if twice := given_twice(resource):
            raise InvalidInput("A key is given more than once in the resource; see errors.", errors=twice)
        if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
            raise InvalidInput(
                "Send a QuestionnaireResponse.",
                errors=[{"loc": ["body", "resourceType"], "msg": "must be QuestionnaireResponse"}],
            )
        check_depth(resource)
        _check_structure(resource)
        answers = parse_answers(triage.engine, response_answers(triage.engine, resource, base=base))
    except AppError as error:
        return _refuse(error, fhir_out)
    result = triage.result(answers, None)
    if fhir_out:
        payload = orjson.dumps(guidance_response(result, base=base))
        return 200, private_headers(FHIR_CONTENT_TYPE, payload), payload
    payload = orjson.dumps(result)
    return 200, private_headers(JSON_CONTENT_TYPE, payload), payload


def _refuse(error: AppError, fhir_out: bool) -> tuple[int, Headers, bytes]:
    if not fhir_out:
        raise error
    payload = orjson.dumps(operation_outcome(error))
    return error.status, private_headers(FHIR_CONTENT_TYPE, payload), payload


def _check_structure(resource: dict[str, Any]) -> None:
    """A QuestionnaireResponse that FHIR's own model accepts; InvalidInput naming what it does not."""
    # FHIR's models cost a worker about 6 MB: loaded with the first QuestionnaireResponse.
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    try:
        QuestionnaireResponse.model_validate(resource)
    except ValidationError as exc:
        errors = [{"loc": ["body", *exc_item["loc"]], "msg": exc_item["msg"]} for exc_item in exc.errors()[:20]]
        raise InvalidInput("The QuestionnaireResponse is not valid FHIR; see errors.", errors=errors) from None
