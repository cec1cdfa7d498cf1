"""The triage ruleset in force, compiled and kept in memory with its prepared responses."""

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlmodel import Session, col, select

from app.core.errors import BadRequest, InvalidInput
from app.core.http import JSON_MEDIA_TYPE, Headers, Representation
from app.triage.engine import Answer, Assessment, Engine, assess, compile_ruleset, parse_answers, parts, says_yes
from app.triage.fhir import fhir_questionnaire
from app.triage.metrics import TRIAGE_LEVELS
from app.triage.models import TriageRuleset
from app.triage.regions import LocalServices, Voice, voices
from app.triage.ruleset import UNSURE, QuestionSpec, RulesetDocument

FHIR_MEDIA_TYPE = b"application/fhir+json; charset=utf-8"
_CATEGORY_ORDER = {"self_care": 0, "medication": 1, "professional_care": 2}
_BODY_FIELDS = frozenset({"answers", "region"})


def _question(question: QuestionSpec) -> dict[str, Any]:
    shown = question.model_dump(exclude_none=True)
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


@dataclass(frozen=True)
class Triage:
    """A compiled ruleset and everything prepared from it for serving."""

    engine: Engine
    questionnaire: Representation
    fhir: Representation
    questions: Mapping[str, dict[str, Any]]
    treatments: Mapping[str, list[dict[str, str]]]
    voices: Mapping[str | None, Voice]

    def answer(self, body: bytes) -> tuple[int, Headers, bytes]:
        """The response to a request body; BadRequest or InvalidInput when it is not acceptable.

        Results are personal: never stored, never cached by anyone on the way.
        """
        answers, region = parse_body(self, body)
        assessment = assess(self.engine, answers)
        TRIAGE_LEVELS.labels(assessment.level or "incomplete").inc()
        result = orjson.dumps(self.render(answers, assessment, region=region))
        headers = [
            (b"content-type", JSON_MEDIA_TYPE),
            (b"content-length", str(len(result)).encode()),
            (b"cache-control", b"no-store"),
        ]
        return 200, headers, result

    def render(self, answers: Mapping[str, Answer], assessment: Assessment, *, region: str | None) -> dict[str, Any]:
        """The public result; it depends only on the answers, the region and the ruleset."""
        engine, voice = self.engine, self.voices[region]
        document = engine.document
        shown = document.levels[engine.rank[assessment.level]] if assessment.level else None
        advice = document.incomplete.advice
        if shown is not None:
            rank = engine.rank[shown.id]
            action = next((r.spec.action for r in assessment.fired if r.rank == rank and r.spec.action), None)
            strained = (
                text for q, text in shown.advice_when.items() if says_yes(answers.get(q), q, engine.unsure_as_yes)
            )
            advice = action or next(strained, shown.advice)
        safety = shown or document.levels[-1]
        safety_net = [*(document.emergency_signs if engine.rank[safety.id] else ()), *safety.safety_net]
        treatments = self.treatments[assessment.level] if assessment.level else []
        if assessment.excluded:
            treatments = [t for t in treatments if t["slug"] not in assessment.excluded]
        reasons = []
        for rule in assessment.fired:
            held = parts(engine, rule, answers)
            spec = rule.spec
            reasons.append(
                {
                    "question_id": held[0],
                    "answer": answers[held[0]],
                    "parts": [{"question_id": q, "answer": answers[q]} for q in held],
                    "level": spec.level,
                    "explanation": voice(spec.explanation),
                    "action": voice(spec.action) if spec.action else None,
                    "sources": [s.model_dump() for s in spec.sources],
                }
            )
        return {
            "complete": assessment.complete,
            "level": assessment.level,
            "timeframe": shown.timeframe if shown else None,
            "title": shown.title if shown else document.incomplete.title,
            "advice": voice(advice),
            "region": voice.region,
            "services": voice.services,
            "reasons": reasons,
            "red_flags": list(dict.fromkeys(r.spec.red_flag for r in assessment.fired if r.spec.red_flag)),
            "next_questions": [self.questions[q.id] for q in assessment.next_questions],
            "treatments": treatments,
            "safety_net": [voice(line) for line in safety_net],
            "disclaimer": voice(document.disclaimer),
            "ruleset_version": document.version,
        }


def parse_body(triage: Triage, body: bytes) -> tuple[dict[str, Answer], str | None]:
    """Decode `{"answers": {...}, "region": ...}` strictly: no other fields, no key twice, nothing but JSON."""
    try:
        document = _DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(document, _Object):
        raise InvalidInput("The body must be an object.", errors=[{"loc": ["body"], "msg": "must be an object"}])
    errors = [{"loc": ["body", name], "msg": "unknown field"} for name in document if name not in _BODY_FIELDS]
    errors += [{"loc": ["body", name], "msg": "given more than once"} for name in document.duplicates]
    if "answers" not in document:
        errors.append({"loc": ["body", "answers"], "msg": "field required"})
    elif isinstance(answers := document["answers"], _Object):  # a JSON object: its duplicates are known
        errors += [{"loc": ["body", "answers", q], "msg": "answered more than once"} for q in answers.duplicates]
    region = document.get("region")
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
) -> Triage:
    """Compile a ruleset and prepare its questionnaire, FHIR resource, voices and treatment lists."""
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
    return Triage(
        engine=engine,
        questionnaire=Representation.build(
            orjson.dumps(questionnaire), vary=b"Accept, Accept-Encoding", cache_control=cache_control
        ),
        fhir=Representation.build(
            orjson.dumps(fhir_questionnaire(engine)),
            media_type=FHIR_MEDIA_TYPE,
            vary=b"Accept, Accept-Encoding",
            cache_control=cache_control,
        ),
        questions=questions,
        treatments=per_level,
        voices=voices(document, local or LocalServices()),
    )


def load_triage(
    *,
    session: Session,
    treatments: Mapping[str, Mapping[str, str]],
    local: LocalServices | None = None,
    cache_control: bytes,
) -> Triage | None:
    """The most recently loaded ruleset, compiled; None when none is loaded."""
    row = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
    if row is None:
        return None
    return build_triage(RulesetDocument.model_validate(row.document), treatments, local, cache_control=cache_control)


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
