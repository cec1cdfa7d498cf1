"""Evaluates any ruleset of the documented shape: pure functions of the ruleset and the answers."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core.errors import InvalidInput
from app.triage.ruleset import QuestionSpec, RulesetDocument, RuleSpec, Term

Answer = bool | int
# A rule's terms as plain (question, test, value) tuples, so evaluating one is a few comparisons.
_IS, _LT, _GE = 0, 1, 2
_Test = tuple[str, int, Answer]


@dataclass(frozen=True)
class Engine:
    """A ruleset compiled for evaluation: questions in step order, rules most urgent first."""

    document: RulesetDocument
    questions: tuple[QuestionSpec, ...]
    rank: Mapping[str, int]
    rules: tuple[tuple[RuleSpec, tuple[_Test, ...]], ...]
    required: tuple[QuestionSpec, ...]
    ranges: Mapping[str, tuple[int, int] | None]  # per question: (min, max) for ints, None for bools


@dataclass(frozen=True)
class Assessment:
    """What the rules make of one set of answers."""

    complete: bool
    level: str | None
    fired: tuple[RuleSpec, ...]
    next_questions: tuple[QuestionSpec, ...]


def _test(term: Term) -> _Test:
    if term.is_ is not None:
        return (term.question, _IS, term.is_)
    if term.lt is not None:
        return (term.question, _LT, term.lt)
    assert term.ge is not None
    return (term.question, _GE, term.ge)


def compile_ruleset(document: RulesetDocument) -> Engine:
    """Order the questions by step, rank the levels and the rules, most urgent first."""
    questions = tuple(sorted(document.questions, key=lambda q: q.step))
    rank = {level.id: rank for rank, level in enumerate(document.levels)}
    rules = sorted(document.rules, key=lambda rule: rank[rule.level])  # stable: file order within a level
    return Engine(
        document=document,
        questions=questions,
        rank=rank,
        rules=tuple((rule, tuple(_test(term) for term in rule.when)) for rule in rules),
        required=tuple(q for q in questions if q.required),
        ranges={q.id: (q.min, q.max) if q.min is not None and q.max is not None else None for q in questions},
    )


def _invalid(loc: str | None, msg: str) -> dict[str, Any]:
    return {"loc": ["body", "answers", *([loc] if loc else [])], "msg": msg}


def parse_answers(engine: Engine, raw: object) -> dict[str, Answer]:
    """Strictly typed answers, null meaning unanswered; InvalidInput names each bad one."""
    if not isinstance(raw, dict):
        raise InvalidInput("`answers` must be an object.", errors=[_invalid(None, "must be an object")])
    answers: dict[str, Answer] = {}
    errors: list[dict[str, Any]] = []
    ranges = engine.ranges
    for key, value in raw.items():
        if key not in ranges:
            errors.append(_invalid(key, "unknown question id"))
            continue
        bounds = ranges[key]
        if value is None:
            continue
        if bounds is None:
            if value is True or value is False:
                answers[key] = value
            else:
                errors.append(_invalid(key, "must be true or false"))
            continue
        # A JSON number with no fractional part is an integer (as JSON Schema counts it: 40.0
        # is 40); booleans, strings and fractions are not.
        if not (type(value) is int or (type(value) is float and value.is_integer())):
            errors.append(_invalid(key, "must be a whole number"))
        elif bounds[0] <= value <= bounds[1]:
            answers[key] = int(value)
        else:
            errors.append(_invalid(key, f"must be from {bounds[0]} to {bounds[1]}"))
    if errors:
        raise InvalidInput("Some answers are not valid; see errors.", errors=errors)
    return answers


def assess(engine: Engine, answers: Mapping[str, Answer]) -> Assessment:
    """Fire every rule whose terms all hold; the most urgent fired rule sets the level."""
    fired = []
    for rule, tests in engine.rules:
        for question, test, value in tests:
            answer = answers.get(question)
            if answer is None:
                break
            if test == _IS:
                if answer is not value:
                    break
            elif test == _LT:
                if answer >= value:
                    break
            elif answer < value:
                break
        else:
            fired.append(rule)
    most_urgent = fired[0].level if fired else None
    unanswered = tuple(q for q in engine.required if q.id not in answers)
    complete = not unanswered or (most_urgent is not None and engine.rank[most_urgent] == 0)
    level = (most_urgent or engine.document.levels[-1].id) if complete else None
    return Assessment(
        complete=complete,
        level=level,
        fired=tuple(fired),
        next_questions=() if complete else unanswered,
    )
