"""Evaluates any ruleset of the documented shape: pure functions of the ruleset and the answers."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from app.core.errors import InvalidInput
from app.triage.ruleset import UNSURE, QuestionSpec, RulesetDocument, RuleSpec, Term

Answer = bool | int | Literal["unsure"]
# A rule's terms as plain tuples, so evaluating one is a few comparisons: (question, test, value),
# or ("", _ANY, tests) for a group of which one must hold.
_IS, _UNSURE, _LT, _GE, _ANY = 0, 1, 2, 3, 4
_Test = tuple[str, int, Any]


@dataclass(frozen=True)
class Rule:
    """A rule compiled for evaluation; `spec` is the rule as written (or made for an unsure answer)."""

    spec: RuleSpec
    tests: tuple[_Test, ...]
    rank: int  # of its level: 0 is the most urgent
    position: int  # of its first part in the questionnaire
    # When the first test is a yes (or an "unsure") to one question, that question: the rule cannot
    # fire unless it was answered so, and assess looks at it only then.
    needs_yes: str | None = None
    needs_unsure: str | None = None


@dataclass(frozen=True)
class Engine:
    """A ruleset compiled for evaluation: questions in step order, rules most urgent first."""

    document: RulesetDocument
    questions: tuple[QuestionSpec, ...]
    rank: Mapping[str, int]
    rules: tuple[Rule, ...]
    required: tuple[QuestionSpec, ...]
    ranges: Mapping[str, tuple[int, int] | None]  # per question: (min, max) for ints, None for bools
    unsure_as_yes: frozenset[str]  # the questions whose "unsure" counts as yes
    required_ids: frozenset[str]
    # Places in `rules`: those that need a yes to a question, an "unsure" to it, or neither.
    by_yes: Mapping[str, tuple[int, ...]]
    by_unsure: Mapping[str, tuple[int, ...]]
    ungated: tuple[int, ...]


class Assessment(NamedTuple):
    """What the rules make of one set of answers."""

    complete: bool
    level: str | None
    fired: tuple[Rule, ...]
    next_questions: tuple[QuestionSpec, ...]
    excluded: frozenset[str]  # treatment slugs a fired rule takes out


def _test(term: Term) -> _Test:
    if term.any_ is not None:
        return ("", _ANY, tuple(_test(part) for part in term.any_))
    assert term.question is not None
    if term.is_ is not None:
        return (term.question, _IS, True)
    if term.lt is not None:
        return (term.question, _LT, term.lt)
    assert term.ge is not None
    return (term.question, _GE, term.ge)


def _unsure_rules(document: RulesetDocument, questions: tuple[QuestionSpec, ...]) -> list[tuple[RuleSpec, _Test]]:
    """One rule per yes/no question of a step that gives "unsure" a level of its own."""
    made = []
    for step in document.steps:
        reading = step.unsure
        if reading.level is None:
            continue
        assert reading.explanation is not None
        for question in questions:
            if question.step == step.step and question.type == "bool":
                spec = RuleSpec(
                    id=f"unsure-{question.id.replace('_', '-')}",
                    when=[Term(question=question.id, is_=True)],
                    level=reading.level,
                    explanation=reading.explanation,
                    sources=reading.sources,
                )
                made.append((spec, (question.id, _UNSURE, UNSURE)))
    return made


def compile_ruleset(document: RulesetDocument) -> Engine:
    """Order the questions by step; rank the rules by level, then by their first part's place."""
    questions = tuple(sorted(document.questions, key=lambda q: q.step))
    position = {q.id: index for index, q in enumerate(questions)}
    rank = {level.id: rank for rank, level in enumerate(document.levels)}
    written = [(rule, tuple(_test(term) for term in rule.when)) for rule in document.rules]
    compiled = [
        Rule(
            spec=spec,
            tests=tests,
            rank=rank[spec.level],
            position=position[spec.questions()[0]],
            needs_yes=tests[0][0] if tests[0][1] == _IS else None,
            needs_unsure=tests[0][0] if tests[0][1] == _UNSURE else None,
        )
        for spec, tests in [*written, *((spec, (test,)) for spec, test in _unsure_rules(document, questions))]
    ]
    as_yes = {step.step for step in document.steps if step.unsure.as_yes}
    rules = tuple(sorted(compiled, key=lambda rule: (rule.rank, rule.position)))  # stable: file order next
    by_yes: dict[str, list[int]] = {}
    by_unsure: dict[str, list[int]] = {}
    for place, rule in enumerate(rules):
        if rule.needs_yes is not None:
            by_yes.setdefault(rule.needs_yes, []).append(place)
        elif rule.needs_unsure is not None:
            by_unsure.setdefault(rule.needs_unsure, []).append(place)
    required = tuple(q for q in questions if q.required)
    return Engine(
        document=document,
        questions=questions,
        rank=rank,
        rules=rules,
        required=required,
        ranges={q.id: (q.min, q.max) if q.min is not None and q.max is not None else None for q in questions},
        unsure_as_yes=frozenset(q.id for q in questions if q.type == "bool" and q.step in as_yes),
        required_ids=frozenset(q.id for q in required),
        by_yes={question: tuple(places) for question, places in by_yes.items()},
        by_unsure={question: tuple(places) for question, places in by_unsure.items()},
        ungated=tuple(
            place for place, rule in enumerate(rules) if rule.needs_yes is None and rule.needs_unsure is None
        ),
    )


_UNKNOWN = (0, -1)  # the bounds of a question id that is not in the ruleset


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
        bounds = ranges.get(key, _UNKNOWN)
        if bounds is None and (value is False or value is True):  # most answers: a yes or a no
            answers[key] = value
            continue
        if bounds is _UNKNOWN:
            errors.append(_invalid(key, "unknown question id"))
            continue
        if value is None:
            continue
        if bounds is None:
            if value is True or value is False or value == UNSURE:
                answers[key] = value
            else:
                errors.append(_invalid(key, 'must be true, false or "unsure"'))
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


def says_yes(answer: Answer | None, question: str, as_yes: frozenset[str]) -> bool:
    """A yes, or an "unsure" to a question whose step reads it as yes."""
    return answer is True or (answer == UNSURE and question in as_yes)


def _holds(test: _Test, answers: Mapping[str, Answer], as_yes: frozenset[str]) -> bool:
    question, kind, value = test
    if kind == _ANY:
        return any(_holds(part, answers, as_yes) for part in value)
    answer = answers.get(question)
    if answer is None:
        return False
    if kind == _IS:
        return says_yes(answer, question, as_yes)
    if kind == _UNSURE:
        return answer == UNSURE
    if kind == _LT:
        return bool(answer < value)
    return bool(answer >= value)


def _fires(tests: tuple[_Test, ...], answers: Mapping[str, Answer], as_yes: frozenset[str]) -> bool:
    """Whether every test holds: `_holds`, with its commonest cases written out (no call per test)."""
    for test in tests:
        question, kind, value = test
        answer = answers.get(question)
        if kind == _IS and type(answer) is bool:
            if not answer:
                return False
        elif kind == _LT and type(answer) is int:
            if answer >= value:
                return False
        elif kind == _GE and type(answer) is int:
            if answer < value:
                return False
        elif not _holds(test, answers, as_yes):
            return False
    return True


def parts(engine: Engine, rule: Rule, answers: Mapping[str, Answer]) -> list[str]:
    """The questions whose answers made the rule fire, in the rule's order."""
    held: list[str] = []

    def walk(tests: tuple[_Test, ...]) -> None:
        for test in tests:
            if test[1] == _ANY:
                walk(tuple(part for part in test[2] if _holds(part, answers, engine.unsure_as_yes)))
            elif test[0] not in held:
                held.append(test[0])

    walk(rule.tests)
    return held


def assess(engine: Engine, answers: Mapping[str, Answer]) -> Assessment:
    """Fire every rule whose terms all hold; the most urgent fired rule sets the level."""
    as_yes = engine.unsure_as_yes
    # Most answers are no, and most rules start with a yes (or an "unsure") to one question: only the
    # rules that such an answer (or nothing) opens are tried, in their order.
    places = [*engine.ungated]
    opening = [q for q, answer in answers.items() if answer is not False and (answer is True or answer == UNSURE)]
    for question in opening:
        if answers[question] is True or question in as_yes:
            places += engine.by_yes.get(question, ())
        if answers[question] == UNSURE:
            places += engine.by_unsure.get(question, ())
    places.sort()
    rules = engine.rules
    fired = [rules[place] for place in places if _fires(rules[place].tests, answers, as_yes)]
    most_urgent = fired[0].rank if fired else None
    unanswered: tuple[QuestionSpec, ...] = ()
    if engine.required_ids.difference(answers):
        unanswered = tuple(q for q in engine.required if q.id not in answers)
    complete = not unanswered or most_urgent == 0
    levels = engine.document.levels
    level = levels[most_urgent if most_urgent is not None else -1].id if complete else None
    return Assessment(
        complete=complete,
        level=level,
        fired=tuple(fired),
        next_questions=() if complete else unanswered,
        excluded=frozenset(slug for rule in fired for slug in rule.spec.excludes) if fired else frozenset(),
    )
