"""What a triage result says: the words of each level in each region's voice, and the public result."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.triage.engine import Answer, Assessment, CompiledRuleset, Fired, holds, parts
from app.triage.regions import Voice
from app.triage.ruleset import UNSURE

if TYPE_CHECKING:
    from app.triage.served import ServedTriage


@dataclass(frozen=True)
class LevelWords:
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


def level_words(
    engine: CompiledRuleset, voice: Voice, level: str | None, treatments: Mapping[str, list[dict[str, str]]]
) -> LevelWords:
    """The words of a result at `level` (None: incomplete) in `voice`, prepared once."""
    document = engine.document
    text = document.levels[engine.rank[level]] if level is not None else None
    safety = text or document.levels[-1]
    safety_net = [*(document.emergency_signs if engine.rank[safety.id] else ()), *safety.safety_net]
    return LevelWords(
        rank=engine.rank[level] if level is not None else None,
        timeframe=text.timeframe if text else None,
        title=text.title if text else document.incomplete.title,
        advice=voice(text.advice if text else document.incomplete.advice),
        advice_when=tuple((q, voice(said)) for q, said in text.advice_when.items()) if text else (),
        treatments=treatments[level] if level is not None else [],
        safety_net=[voice(line) for line in safety_net],
        disclaimer=voice(document.disclaimer),
    )


def advice(
    triage: "ServedTriage", answers: Mapping[str, Answer], assessment: Assessment, level: str, region: str | None
) -> str:
    """What to do at `level` (the result's, or the minimum so far), as TRIAGE.md's "Advice" says."""
    engine, voice = triage.engine, triage.voices[region]
    at = triage.words[(level, region)]
    rank = engine.rank[level]
    here = [fired for fired in assessment.fired if fired.rank == rank]
    sentences: list[str] = []
    if rank == 0 and any(fired.action is None for fired in here):
        # The emergency default leads; the other emergency rules' actions follow it.
        sentences.append(at.advice)
        for fired in here:
            if fired.action:
                sentences.append(voice(fired.spec.then or fired.action))
    elif (lead := next((fired for fired in here if fired.action), None)) is not None:
        assert lead.action is not None
        sentences.append(voice(lead.action))
    else:
        sentences.append(
            next((text for question, text in at.advice_when if _yes_or_unsure(answers, question)), at.advice)
        )
    for addition in engine.document.additions:
        if level not in addition.levels or not holds(engine, addition.when, answers):
            continue
        if any(fired.rule.origin in addition.unless and fired.action for fired in here):
            continue
        sentences.append(voice(addition.text))
    return " ".join(dict.fromkeys(sentences))


def render(
    triage: "ServedTriage", answers: Mapping[str, Answer], assessment: Assessment, *, region: str | None
) -> dict[str, Any]:
    """The public result; it depends only on the answers, the region and the ruleset."""
    engine, voice = triage.engine, triage.voices[region]
    at = triage.words[(assessment.level, region)]
    level = assessment.level
    said = advice(triage, answers, assessment, level, region) if level is not None else at.advice
    minimum = None
    if level is None and assessment.minimum_level is not None:
        least = triage.words[(assessment.minimum_level, region)]
        minimum = {
            "level": assessment.minimum_level,
            "timeframe": least.timeframe,
            "title": least.title,
            "advice": advice(triage, answers, assessment, assessment.minimum_level, region),
        }
    treatments = at.treatments
    if assessment.excluded:
        treatments = [t for t in treatments if t["slug"] not in assessment.excluded]
    maternity = engine.document.maternity
    pregnant = maternity is not None and holds(engine, maternity.when, answers)
    return {
        "complete": assessment.complete,
        "level": level,
        "timeframe": at.timeframe,
        "title": at.title,
        "advice": said,
        "minimum_level": minimum,
        "region": voice.region,
        "services": voice.services_for(pregnant),
        "reasons": [_reason(engine, fired, answers, voice) for fired in assessment.fired],
        "red_flags": list(dict.fromkeys(f.spec.red_flag for f in assessment.fired if f.spec.red_flag)),
        "next_questions": [triage.questions[q.id] for q in assessment.next_questions],
        "treatments": treatments,
        "safety_net": at.safety_net,
        "disclaimer": at.disclaimer,
        "ruleset_version": engine.document.version,
    }


def _yes_or_unsure(answers: Mapping[str, Answer], question: str) -> bool:
    answer = answers.get(question)
    return answer is True or answer == UNSURE


def _reason(engine: CompiledRuleset, fired: Fired, answers: Mapping[str, Answer], voice: Voice) -> dict[str, Any]:
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
