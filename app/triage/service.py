"""The triage ruleset in force, compiled and kept in memory with its prepared responses."""

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
import orjson
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.core.errors import AppError, BadRequest, InvalidInput
from app.core.http import JSON_MEDIA_TYPE, Headers, Representation, compact_json
from app.triage.engine import Answer, Assessment, Engine, Fired, assess, compile_ruleset, holds, parse_answers, parts
from app.triage.fhir import (
    Codes,
    check_depth,
    code_system,
    fhir_questionnaire,
    guidance_response,
    operation_outcome,
    response_answers,
)
from app.triage.metrics import count_level
from app.triage.models import TriageRuleset
from app.triage.regions import LocalServices, Voice, voices
from app.triage.ruleset import UNSURE, QuestionSpec, RulesetDocument

FHIR_MEDIA_TYPE = b"application/fhir+json; charset=utf-8"
_CATEGORY_ORDER = {"self_care": 0, "medication": 1, "professional_care": 2}
_BODY_FIELDS = frozenset({"answers", "region"})
# How long an offline copy of the ruleset may be used without a refresh; the API's answer is always current.
OFFLINE_VALID_FOR = timedelta(days=30)
_FHIR_CACHE_SIZE = 64  # resources per base URL and publisher; more are built per request


def _question(question: QuestionSpec) -> dict[str, Any]:
    shown = question.model_dump(exclude_none=True, by_alias=True, exclude={"unsure"})
    shown["ask_if"] = question.ask_if.model_dump(exclude_none=True, by_alias=True) if question.ask_if else None
    if question.type == "bool":
        shown["answers"] = [True, False, UNSURE]
    return shown


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    found.duplicates = []
    if len(found) != len(pairs):
        found.duplicates = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
    return found


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):
        raise ValueError("a number too large for JSON")
    return number


# The standard library's decoder, because it can see a key given twice (orjson keeps the last).
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_no_constant, parse_float=_finite)


def given_twice(value: Any) -> list[dict[str, Any]]:
    """An error for every key given more than once in any object of a decoded document, with its path:
    which of two values was meant is not for the service to guess (the last would win)."""
    errors: list[dict[str, Any]] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [(("body",), value)]
    while stack:  # by hand, not by recursion: the document may be as deep as the decoder allows
        path, found = stack.pop()
        if isinstance(found, _Object):
            errors += [{"loc": [*path, key], "msg": "given more than once"} for key in found.duplicates]
            stack += [((*path, key), item) for key, item in found.items()]
        elif isinstance(found, list):
            stack += [((*path, index), item) for index, item in enumerate(found)]
    return sorted(errors, key=lambda error: [str(part) for part in error["loc"]])


@dataclass(frozen=True)
class _Shown:
    """What a result at one level (None: incomplete) says in one region's voice, whatever the answers:
    shared by every such result, so never changed."""

    rank: int | None
    timeframe: str | None
    title: str
    advice: str  # unless a fired rule's action or an `advice_when` answer says otherwise
    advice_when: tuple[tuple[str, str], ...]
    treatments: list[dict[str, str]]
    safety_net: list[str]
    disclaimer: str


def _shown(engine: Engine, voice: Voice, level: str | None, treatments: Mapping[str, list[dict[str, str]]]) -> _Shown:
    document = engine.document
    shown = document.levels[engine.rank[level]] if level is not None else None
    safety = shown or document.levels[-1]
    safety_net = [*(document.emergency_signs if engine.rank[safety.id] else ()), *safety.safety_net]
    return _Shown(
        rank=engine.rank[level] if level is not None else None,
        timeframe=shown.timeframe if shown else None,
        title=shown.title if shown else document.incomplete.title,
        advice=voice(shown.advice if shown else document.incomplete.advice),
        advice_when=tuple((q, voice(text)) for q, text in shown.advice_when.items()) if shown else (),
        treatments=treatments[level] if level is not None else [],
        safety_net=[voice(line) for line in safety_net],
        disclaimer=voice(document.disclaimer),
    )


@dataclass(frozen=True)
class Triage:
    """A compiled ruleset and everything prepared from it for serving."""

    engine: Engine
    questionnaire: Representation
    questions: Mapping[str, dict[str, Any]]
    treatments: Mapping[str, list[dict[str, str]]]
    voices: Mapping[str | None, Voice]
    shown: Mapping[tuple[str | None, str | None], _Shown]  # by level and region
    quick_reader: msgspec.json.Decoder[Any]
    cache_control: bytes = b"no-store"
    question_codes: Codes = field(default_factory=dict)
    loaded_at: datetime | None = None
    offline: bytes = b"null"  # the OfflineRuleset document, for the export and the change feed
    _fhir: dict[tuple[str, str, str], Representation] = field(default_factory=dict)

    def fhir(self, kind: str, *, base: str, publisher: str) -> Representation:
        """The Questionnaire (`questionnaire`) or a code system (`level`, `timeframe`), for this base URL."""
        key = (kind, base, publisher)
        found = self._fhir.get(key)
        if found is None:
            if kind == "questionnaire":
                resource = fhir_questionnaire(
                    self.engine,
                    base=base,
                    publisher=publisher,
                    loaded=self.loaded_at,
                    question_codes=self.question_codes,
                )
            else:
                resource = code_system(kind, self.engine, base=base, publisher=publisher, say=self.voices[None])
            found = Representation.build(
                orjson.dumps(resource),
                media_type=FHIR_MEDIA_TYPE,
                vary=b"Accept, Accept-Encoding",
                cache_control=self.cache_control,
            )
            if len(self._fhir) < _FHIR_CACHE_SIZE:
                self._fhir[key] = found
        return found

    def answer_fhir(self, body: bytes, *, base: str, fhir_out: bool) -> tuple[int, Headers, bytes]:
        """The response to a QuestionnaireResponse body: assessed exactly as its JSON form would be, and
        sent back as a GuidanceResponse when `fhir_out`; refusals as an OperationOutcome then."""
        try:
            try:
                resource = _DECODER.decode(body.decode("utf-8"))
            except (ValueError, RecursionError):
                raise BadRequest("The request body is not valid JSON.") from None
            if twice := given_twice(resource):
                raise InvalidInput("A key is given more than once in the resource; see errors.", errors=twice)
            if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
                raise InvalidInput(
                    "Send a QuestionnaireResponse.",
                    errors=[{"loc": ["body", "resourceType"], "msg": "must be QuestionnaireResponse"}],
                )
            check_depth(resource)
            _check_structure(resource)
            answers = parse_answers(self.engine, response_answers(self.engine, resource, base=base))
        except AppError as error:
            return self._refuse(error, fhir_out)
        result = self._result(answers, None)
        if fhir_out:
            payload = orjson.dumps(guidance_response(result, base=base))
            return 200, _private(FHIR_MEDIA_TYPE, payload), payload
        payload = orjson.dumps(result)
        return 200, _private(JSON_MEDIA_TYPE, payload), payload

    def _refuse(self, error: AppError, fhir_out: bool) -> tuple[int, Headers, bytes]:
        if not fhir_out:
            raise error
        payload = orjson.dumps(operation_outcome(error))
        return error.status, _private(FHIR_MEDIA_TYPE, payload), payload

    def answer(self, body: bytes) -> tuple[int, Headers, bytes]:
        """The response to a request body; BadRequest or InvalidInput when it is not acceptable.

        Results are personal: never stored, never cached by anyone on the way.
        """
        answers, region = parse_body(self, body)
        result = orjson.dumps(self._result(answers, region))
        return 200, _private(JSON_MEDIA_TYPE, result), result

    def _result(self, answers: Mapping[str, Answer], region: str | None) -> dict[str, Any]:
        """Assess the answers, count the level, and render the public result."""
        assessment = assess(self.engine, answers)
        count_level(assessment.level or "incomplete")
        return self.render(answers, assessment, region=region)

    def advice(self, answers: Mapping[str, Answer], assessment: Assessment, level: str, region: str | None) -> str:
        """What to do at `level` (the result's, or the minimum so far), as TRIAGE.md's "Advice" says."""
        engine, voice = self.engine, self.voices[region]
        shown = self.shown[(level, region)]
        rank = engine.rank[level]
        here = [fired for fired in assessment.fired if fired.rank == rank]
        sentences: list[str] = []
        if rank == 0 and any(fired.action is None for fired in here):
            # The emergency default leads; the other emergency rules' actions follow it.
            sentences.append(shown.advice)
            for fired in here:
                if fired.action:
                    sentences.append(voice(fired.spec.then or fired.action))
        elif (lead := next((fired for fired in here if fired.action), None)) is not None:
            assert lead.action is not None
            sentences.append(voice(lead.action))
        else:
            sentences.append(
                next((text for question, text in shown.advice_when if _yes_or_unsure(answers, question)), shown.advice)
            )
        for addition in engine.document.additions:
            if level not in addition.levels or not holds(engine, addition.when, answers):
                continue
            if any(fired.rule.origin in addition.unless and fired.action for fired in here):
                continue
            sentences.append(voice(addition.text))
        return " ".join(dict.fromkeys(sentences))

    def render(self, answers: Mapping[str, Answer], assessment: Assessment, *, region: str | None) -> dict[str, Any]:
        """The public result; it depends only on the answers, the region and the ruleset."""
        engine, voice = self.engine, self.voices[region]
        shown = self.shown[(assessment.level, region)]
        level = assessment.level
        advice = self.advice(answers, assessment, level, region) if level is not None else shown.advice
        minimum = None
        if level is None and assessment.minimum_level is not None:
            at = self.shown[(assessment.minimum_level, region)]
            minimum = {
                "level": assessment.minimum_level,
                "timeframe": at.timeframe,
                "title": at.title,
                "advice": self.advice(answers, assessment, assessment.minimum_level, region),
            }
        treatments = shown.treatments
        if assessment.excluded:
            treatments = [t for t in treatments if t["slug"] not in assessment.excluded]
        maternity = engine.document.maternity
        pregnant = maternity is not None and holds(engine, maternity.when, answers)
        return {
            "complete": assessment.complete,
            "level": level,
            "timeframe": shown.timeframe,
            "title": shown.title,
            "advice": advice,
            "minimum_level": minimum,
            "region": voice.region,
            "services": voice.services_for(pregnant),
            "reasons": [_reason(engine, fired, answers, voice) for fired in assessment.fired],
            "red_flags": list(dict.fromkeys(f.spec.red_flag for f in assessment.fired if f.spec.red_flag)),
            "next_questions": [self.questions[q.id] for q in assessment.next_questions],
            "treatments": treatments,
            "safety_net": shown.safety_net,
            "disclaimer": shown.disclaimer,
            "ruleset_version": engine.document.version,
        }


def _yes_or_unsure(answers: Mapping[str, Answer], question: str) -> bool:
    answer = answers.get(question)
    return answer is True or answer == UNSURE


def _reason(engine: Engine, fired: Fired, answers: Mapping[str, Answer], voice: Voice) -> dict[str, Any]:
    held = parts(engine, fired, answers)
    spec = fired.spec
    return {
        "question_id": held[0],
        "answer": answers[held[0]],
        "parts": [{"question_id": q, "answer": answers[q]} for q in held],
        "level": fired.level,
        "explanation": voice(spec.explanation),
        "action": voice(fired.action) if fired.action else None,
        "sources": [s.model_dump() for s in spec.sources],
    }


def _private(media_type: bytes, payload: bytes) -> Headers:
    """Headers of a personal result: never stored, never cached by anyone on the way."""
    return [
        (b"content-type", media_type),
        (b"content-length", b"%d" % len(payload)),
        (b"cache-control", b"no-store"),
    ]


def _check_structure(resource: dict[str, Any]) -> None:
    """A QuestionnaireResponse that FHIR's own model accepts; InvalidInput naming what it does not."""
    # FHIR's models cost a worker about 6 MB: loaded with the first QuestionnaireResponse.
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    try:
        QuestionnaireResponse.model_validate(resource)
    except ValidationError as exc:
        errors = [{"loc": ["body", *exc_item["loc"]], "msg": exc_item["msg"]} for exc_item in exc.errors()[:20]]
        raise InvalidInput("The QuestionnaireResponse is not valid FHIR; see errors.", errors=errors) from None


def _answer_type(question: QuestionSpec) -> Any:
    if question.type == "bool":
        return bool | Literal["unsure"] | None
    return Annotated[int, msgspec.Meta(ge=question.min, le=question.max)] | None


def _quick_reader(engine: Engine) -> msgspec.json.Decoder[Any]:
    """A decoder for bodies with nothing wrong: each answer of its question's type and range, and no
    other field. It fails on anything else, which the strict reading then names."""
    answers = msgspec.defstruct(
        "Answers",
        [(q.id, _answer_type(q), None) for q in engine.questions],  # unanswered: left out when read
        forbid_unknown_fields=True,
        omit_defaults=True,
    )
    body = msgspec.defstruct(
        "TriageBody",
        [("answers", answers), ("region", str | None | msgspec.UnsetType, msgspec.UNSET)],
        forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(body)


def _quick(triage: Triage, body: bytes) -> tuple[dict[str, Answer], str | None] | None:
    """The answers and region of a body with nothing wrong, read in one pass; None to read it strictly.

    msgspec keeps the last of a key given twice, so its reading is used only when no key can have
    been: each key is followed by a colon and strings may hold more, so the body's colons are never
    fewer than its keys, nor its keys than the fields read (an unknown one fails, and null answers
    are left out). When the two counts are equal, no key was given twice, and no answer was null.
    """
    try:
        document = triage.quick_reader.decode(body)
    except msgspec.DecodeError:
        return None
    answers: dict[str, Answer] = msgspec.to_builtins(document.answers)
    region = document.region
    given = 1 + len(answers) + (region is not msgspec.UNSET)
    if isinstance(region, str):
        region = region.upper()
    if given != body.count(b":") or (isinstance(region, str) and region not in triage.voices):
        return None
    return answers, region if isinstance(region, str) else None


def _read(body: bytes) -> Any:
    """The body's JSON document, read strictly: a key given twice is seen, and only JSON is accepted."""
    try:
        return _DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


def parse_body(triage: Triage, body: bytes) -> tuple[dict[str, Answer], str | None]:
    """Decode `{"answers": {...}, "region": ...}` strictly: no other fields, no key twice, nothing but JSON."""
    quick = _quick(triage, body)
    if quick is not None:
        return quick
    document = _read(body)
    if not isinstance(document, _Object):
        raise InvalidInput("The body must be an object.", errors=[{"loc": ["body"], "msg": "must be an object"}])
    errors = [{"loc": ["body", name], "msg": "unknown field"} for name in document if name not in _BODY_FIELDS]
    errors += [{"loc": ["body", name], "msg": "given more than once"} for name in document.duplicates]
    if "answers" not in document:
        errors.append({"loc": ["body", "answers"], "msg": "field required"})
    elif isinstance(answers := document["answers"], _Object):  # a JSON object: its duplicates are known
        errors += [{"loc": ["body", "answers", q], "msg": "answered more than once"} for q in answers.duplicates]
    region = document.get("region")
    if isinstance(region, str):
        region = region.upper()
    if region is not None and not (isinstance(region, str) and region in triage.voices):
        known = sorted(code for code in triage.voices if code is not None)
        errors.append({"loc": ["body", "region"], "msg": f"unknown region; known regions: {', '.join(known)}"})
    if errors:
        raise InvalidInput("The body is not acceptable; see errors.", errors=errors)
    return parse_answers(triage.engine, document["answers"]), region


def build_triage(
    document: RulesetDocument,
    treatments: Mapping[str, Mapping[str, str]],
    local: LocalServices | None = None,
    *,
    cache_control: bytes,
    symptom_codes: Codes | None = None,
    loaded_at: datetime | None = None,
) -> Triage:
    """Compile a ruleset and prepare its questionnaire, voices and treatment lists; a question whose
    answer alone fires a red-flag rule carries that red flag's codes in FHIR."""
    engine = compile_ruleset(document)
    questions = {q.id: _question(q) for q in engine.questions}
    questionnaire = {
        "ruleset_version": document.version,
        "intro": document.intro,
        "steps": [
            {
                "step": step.step,
                "title": step.title,
                "questions": [questions[q.id] for q in engine.questions if q.step == step.step],
            }
            for step in document.steps
        ],
    }
    per_level = {
        level.id: sorted(
            (dict(treatments[slug]) for slug in level.treatments if slug in treatments),
            key=lambda t: _CATEGORY_ORDER.get(t["category"], len(_CATEGORY_ORDER)),
        )
        for level in document.levels
    }
    spoken = voices(document, local or LocalServices())
    offline = {
        "version": document.version,
        "engine_version": document.engine_version,
        "valid_until": (datetime.now(UTC) + OFFLINE_VALID_FOR).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": spoken[None].region,
        "services": spoken[None].services,
        "maternity": spoken[None].maternity,
        "document": document.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    levels = [*(level.id for level in document.levels), None]
    return Triage(
        engine=engine,
        quick_reader=_quick_reader(engine),
        shown={
            (level, region): _shown(engine, voice, level, per_level)
            for region, voice in spoken.items()
            for level in levels
        },
        questionnaire=Representation.build(
            orjson.dumps(questionnaire), vary=b"Accept, Accept-Encoding", cache_control=cache_control
        ),
        questions=questions,
        treatments=per_level,
        voices=spoken,
        cache_control=cache_control,
        question_codes=_question_codes(document, symptom_codes or {}),
        loaded_at=loaded_at,
        offline=compact_json(offline),
    )


def _question_codes(document: RulesetDocument, symptom_codes: Codes) -> dict[str, list[Mapping[str, str]]]:
    found: dict[str, list[Mapping[str, str]]] = {}
    for rule in document.rules:
        if rule.red_flag and len(rule.when) == 1 and (question := rule.when[0].question) and rule.when[0].is_:
            for code in symptom_codes.get(rule.red_flag, ()):
                if code not in found.setdefault(question, []):
                    found[question].append(code)
    return found


def load_triage(
    *,
    session: Session,
    treatments: Mapping[str, Mapping[str, str]],
    local: LocalServices | None = None,
    cache_control: bytes,
    symptom_codes: Codes | None = None,
) -> Triage | None:
    """The most recently loaded ruleset, compiled; None when none is loaded."""
    row = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
    if row is None:
        return None
    document = RulesetDocument.model_validate(row.document)
    return build_triage(
        document, treatments, local, cache_control=cache_control, symptom_codes=symptom_codes, loaded_at=row.loaded_at
    )


def store_ruleset(*, session: Session, document: RulesetDocument) -> bool:
    """Add a ruleset version unless it is already loaded; True when added. The caller commits."""
    if session.get(TriageRuleset, str(document.version)) is not None:
        return False
    session.add(
        TriageRuleset(
            version=str(document.version),
            document=document.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            loaded_at=datetime.now(UTC),
        )
    )
    return True
