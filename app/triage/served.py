"""The triage ruleset in force, compiled and kept in memory with its prepared responses."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import orjson
from sqlmodel import Session, col, select

from app.core.media import JSON_CONTENT_TYPE
from app.core.representation import Headers, Representation, compact_json
from app.triage.bodies import parse_body, quick_reader
from app.triage.engine import Answer, CompiledRuleset, assess, compile_ruleset
from app.triage.fhir import Codes
from app.triage.metrics import count_level
from app.triage.models import TriageRuleset
from app.triage.regions import LocalServices, Voice, voices
from app.triage.ruleset import UNSURE, QuestionSpec, RulesetDocument
from app.triage.wording import LevelWords, level_words, render

_CATEGORY_ORDER = {"self_care": 0, "medication": 1, "professional_care": 2}
# How long an offline copy of the ruleset may be used without a refresh; the API's answer is always current.
OFFLINE_VALID_FOR = timedelta(days=30)


@dataclass(frozen=True)
class ServedTriage:
    """A compiled ruleset and everything prepared from it for serving."""

    engine: CompiledRuleset
    questionnaire: Representation
    questions: Mapping[str, dict[str, Any]]
    treatments: Mapping[str, list[dict[str, str]]]
    voices: Mapping[str | None, Voice]
    words: Mapping[tuple[str | None, str | None], LevelWords]  # by level and region
    quick_reader: msgspec.json.Decoder[Any]
    cache_control: bytes = b"no-store"
    question_codes: Codes = field(default_factory=dict)
    loaded_at: datetime | None = None
    offline: bytes = b"null"  # the OfflineRuleset document, for the export and the change feed
    # The FHIR resources built so far, by kind, base URL and publisher (`app.triage.fhir_replies`).
    fhir_resources: dict[tuple[str, str, str], Representation] = field(default_factory=dict)

    def answer(self, body: bytes) -> tuple[int, Headers, bytes]:
        """The response to a request body; BadRequest or InvalidInput when it is not acceptable.

        Results are personal: never stored, never cached by anyone on the way.
        """
        answers, region = parse_body(self, body)
        result = orjson.dumps(self.result(answers, region))
        return 200, private_headers(JSON_CONTENT_TYPE, result), result

    def result(self, answers: Mapping[str, Answer], region: str | None) -> dict[str, Any]:
        """Assess the answers, count the level, and render the public result."""
        assessment = assess(self.engine, answers)
        count_level(assessment.level or "incomplete")
        return render(self, answers, assessment, region=region)


def private_headers(media_type: bytes, payload: bytes) -> Headers:
    """Headers of a personal result: never stored, never cached by anyone on the way."""
    return [
        (b"content-type", media_type),
        (b"content-length", b"%d" % len(payload)),
        (b"cache-control", b"no-store"),
    ]


def _question(question: QuestionSpec) -> dict[str, Any]:
    shown = question.model_dump(exclude_none=True, by_alias=True, exclude={"unsure"})
    shown["ask_if"] = question.ask_if.model_dump(exclude_none=True, by_alias=True) if question.ask_if else None
    if question.type == "bool":
        shown["answers"] = [True, False, UNSURE]
    return shown


def build_triage(
    document: RulesetDocument,
    treatments: Mapping[str, Mapping[str, str]],
    local: LocalServices | None = None,
    *,
    cache_control: bytes,
    symptom_codes: Codes | None = None,
    loaded_at: datetime | None = None,
) -> ServedTriage:
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
    return ServedTriage(
        engine=engine,
        quick_reader=quick_reader(engine),
        words={
            (level, region): level_words(engine, voice, level, per_level)
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
) -> ServedTriage | None:
    """The most recently loaded ruleset, compiled; None when none is loaded."""
    row = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
    if row is None:
        return None
    document = RulesetDocument.model_validate(row.document)
    return build_triage(
        document, treatments, local, cache_control=cache_control, symptom_codes=symptom_codes, loaded_at=row.loaded_at
    )
