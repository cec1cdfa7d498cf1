"""The triage ruleset in force, compiled and kept in memory with its prepared responses."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlmodel import Session, col, select

from app.core.errors import BadRequest, InvalidInput
from app.core.http import JSON_MEDIA_TYPE, Headers, Representation
from app.platform.metrics import TRIAGE_LEVELS
from app.triage.engine import Answer, Assessment, Engine, assess, compile_ruleset, parse_answers
from app.triage.fhir import fhir_questionnaire
from app.triage.models import TriageRuleset
from app.triage.ruleset import QuestionSpec, RulesetDocument

FHIR_MEDIA_TYPE = b"application/fhir+json; charset=utf-8"
_CATEGORY_ORDER = {"self_care": 0, "medication": 1, "professional_care": 2}


def _question(question: QuestionSpec) -> dict[str, Any]:
    return question.model_dump(exclude_none=True)


@dataclass(frozen=True)
class Triage:
    """A compiled ruleset and everything prepared from it for serving."""

    engine: Engine
    questionnaire: Representation
    fhir: Representation
    questions: Mapping[str, dict[str, Any]]
    treatments: Mapping[str, list[dict[str, str]]]

    def answer(self, body: bytes) -> tuple[int, Headers, bytes]:
        """The response to a request body; BadRequest or InvalidInput when it is not acceptable.

        Results are personal: never stored, never cached by anyone on the way.
        """
        answers = parse_body(self.engine, body)
        assessment = assess(self.engine, answers)
        TRIAGE_LEVELS.labels(assessment.level or "incomplete").inc()
        result = orjson.dumps(self.render(answers, assessment))
        headers = [
            (b"content-type", JSON_MEDIA_TYPE),
            (b"content-length", str(len(result)).encode()),
            (b"cache-control", b"no-store"),
        ]
        return 200, headers, result

    def render(self, answers: Mapping[str, Answer], assessment: Assessment) -> dict[str, Any]:
        """The public result; it depends only on the answers and the ruleset."""
        document = self.engine.document
        shown = document.levels[self.engine.rank[assessment.level]] if assessment.level else None
        advice = document.incomplete.advice
        if shown is not None:
            advice = next((text for q, text in shown.advice_when.items() if answers.get(q) is True), shown.advice)
        return {
            "complete": assessment.complete,
            "level": assessment.level,
            "timeframe": shown.timeframe if shown else None,
            "title": shown.title if shown else document.incomplete.title,
            "advice": advice,
            "reasons": [
                {
                    "question_id": rule.when[0].question,
                    "answer": answers[rule.when[0].question],
                    "level": rule.level,
                    "explanation": rule.explanation,
                    "sources": [s.model_dump() for s in rule.sources],
                }
                for rule in assessment.fired
            ],
            "red_flags": list(dict.fromkeys(rule.red_flag for rule in assessment.fired if rule.red_flag)),
            "next_questions": [self.questions[q.id] for q in assessment.next_questions],
            "treatments": self.treatments[assessment.level] if assessment.level else [],
            "safety_net": (shown or document.levels[-1]).safety_net,
            "disclaimer": document.disclaimer,
            "ruleset_version": document.version,
        }


def parse_body(engine: Engine, body: bytes) -> dict[str, Answer]:
    """Decode `{"answers": {...}}` strictly: no other fields, nothing but JSON."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise InvalidInput("The body must be an object.", errors=[{"loc": ["body"], "msg": "must be an object"}])
    errors = [{"loc": ["body", name], "msg": "unknown field"} for name in document if name != "answers"]
    if "answers" not in document:
        errors.append({"loc": ["body", "answers"], "msg": "field required"})
    if errors:
        raise InvalidInput('The body must be {"answers": {...}}; see errors.', errors=errors)
    return parse_answers(engine, document["answers"])


def build_triage(document: RulesetDocument, treatments: Mapping[str, Mapping[str, str]]) -> Triage:
    """Compile a ruleset and prepare its questionnaire, FHIR resource and treatment lists."""
    engine = compile_ruleset(document)
    questions = {q.id: _question(q) for q in engine.questions}
    questionnaire = {
        "ruleset_version": document.version,
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
        questionnaire=Representation.build(orjson.dumps(questionnaire), vary=b"Accept, Accept-Encoding"),
        fhir=Representation.build(
            orjson.dumps(fhir_questionnaire(engine)),
            media_type=FHIR_MEDIA_TYPE,
            vary=b"Accept, Accept-Encoding",
        ),
        questions=questions,
        treatments=per_level,
    )


def load_triage(*, session: Session, treatments: Mapping[str, Mapping[str, str]]) -> Triage | None:
    """The most recently loaded ruleset, compiled; None when none is loaded."""
    row = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
    if row is None:
        return None
    return build_triage(RulesetDocument.model_validate(row.document), treatments)


def store_ruleset(*, session: Session, document: RulesetDocument) -> bool:
    """Add a ruleset version unless it is already loaded; True when added. The caller commits."""
    if session.get(TriageRuleset, document.version) is not None:
        return False
    session.add(
        TriageRuleset(
            version=document.version,
            document=document.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            loaded_at=datetime.now(UTC),
        )
    )
    return True
