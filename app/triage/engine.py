"""Evaluates any ruleset of the documented shape: pure functions of the ruleset and the answers.

A term holds outright (a yes, a number in range, or an "unsure" its step reads as yes), through
"unsure" (an "unsure" to a question whose step gives unsure a level of its own), or not at all. A rule
on one question fires only when it holds outright; its "unsure" has a rule of its own, made here from
the step's (or the question's) reading. A combined rule also fires through "unsure", then at no more
than the ruleset's `combined_unsure_level`, with that level's advice.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from app.core.errors import InvalidInput
from app.triage.ruleset import UNSURE, QuestionSpec, RulesetDocument, RuleSpec, Term

# The newest ruleset shape this engine evaluates in full; a ruleset that needs more is refused.
ENGINE_VERSION = 3

Answer = bool | int | Literal["unsure"]
# A rule's terms as plain tuples, so evaluating one is a few comparisons: (question, test, value),
# or ("", _ANY, tests) for a group of which one must hold.
_IS, _UNSURE, _LT, _GE, _ANY = 0, 1, 2, 3, 4
_Test = tuple[str, int, Any]
# How a term holds.
NOT, THROUGH_UNSURE, OUTRIGHT = 0, 1, 2


class RulesetRefused(ValueError):
    """A ruleset this engine cannot evaluate in full."""


@dataclass(frozen=True)
class Rule:
    """A rule compiled for evaluation; `spec` is the rule as written (or made for an unsure answer)."""

    spec: RuleSpec
    tests: tuple[_Test, ...]
    rank: int  # of its level: 0 is the most urgent
    capped_rank: int  # of its level when it fires through "unsure"
    position: int  # of its first part in the questionnaire
    combined: bool  # tests more than one question: it may fire through "unsure"
    origin: str  # the id of the rule as written: for a rule made for "unsure", its question's own rule
    # When the first test is of one question's yes or "unsure", that question: the rule cannot fire
    # unless it was answered so, and assess tries it only then.
    opened_by: str | None = None


class Fired(NamedTuple):
    """A rule that fired, at the level it gives for these answers, with the action it shows."""

    rule: Rule
    rank: int
    level: str
    action: str | None
    capped: bool  # fired through "unsure", at no more than the combined-unsure level

    @property
    def spec(self) -> RuleSpec:
        return self.rule.spec


@dataclass(frozen=True)
class CompiledRuleset:
    """A ruleset compiled for evaluation: questions in step order, rules in questionnaire order."""

    document: RulesetDocument
    questions: tuple[QuestionSpec, ...]
    rank: Mapping[str, int]
    rules: tuple[Rule, ...]
    required: tuple[QuestionSpec, ...]
    ranges: Mapping[str, tuple[int, int] | None]  # per question: (min, max) for ints, None for bools
    unsure_as_yes: frozenset[str]  # the questions whose "unsure" counts as yes
    asked_if: Mapping[str, _Test]  # the condition of each question asked only when it holds
    by_opening: Mapping[str, tuple[int, ...]]  # places in `rules` opened by a question's yes or "unsure"
    ungated: tuple[int, ...]
    # The terms of the exclusions, additions and maternity, compiled once, by the identity of the term in
    # `document` (which the engine keeps, unchanged).
    modifier_tests: Mapping[int, _Test]


class Assessment(NamedTuple):
    """What the rules make of one set of answers."""

    complete: bool
    level: str | None
    fired: tuple[Fired, ...]  # the most urgent first, then in questionnaire order
    next_questions: tuple[QuestionSpec, ...]
    excluded: frozenset[str]  # treatment slugs that a fired rule or an exclusion takes out
    minimum_level: str | None  # the most urgent level the answers give so far (None: no rule fired)


def _test(term: Term) -> _Test:
    if term.any_ is not None:
        return ("", _ANY, tuple(_test(part) for part in term.any_))
    assert term.question is not None
    if term.is_ is True:
        return (term.question, _IS, True)
    if term.is_ == UNSURE:
        return (term.question, _UNSURE, UNSURE)
    if term.lt is not None:
        return (term.question, _LT, term.lt)
    assert term.ge is not None
    return (term.question, _GE, term.ge)


def _own_rules(document: RulesetDocument) -> dict[str, RuleSpec]:
    """Each question's own rule: the first that tests only a yes to it."""
    own: dict[str, RuleSpec] = {}
    for rule in document.rules:
        if len(rule.when) == 1 and rule.when[0].is_ is True and rule.when[0].question is not None:
            own.setdefault(rule.when[0].question, rule)
    return own


def _unsure_rules(document: RulesetDocument, questions: tuple[QuestionSpec, ...]) -> list[tuple[RuleSpec, str]]:
    """For each yes/no question with a level alone, in a step that gives "unsure" a level: a rule that
    fires on its "unsure", read as the question says (else as its step says), keeping its own rule's
    action unless the question's reading has one. Each with the id of the question's own rule."""
    own = _own_rules(document)
    steps = {step.step: step.unsure for step in document.steps}
    made = []
    for question in questions:
        step_reading = steps[question.step]
        rule = own.get(question.id)
        if question.type != "bool" or step_reading.level is None or rule is None:
            continue
        reading = question.unsure or step_reading
        assert reading.level is not None
        assert reading.explanation is not None
        action = question.unsure.action if question.unsure and question.unsure.action else rule.action
        spec = RuleSpec(
            id=f"unsure-{question.id.replace('_', '-')}",
            when=[Term(question=question.id, is_=UNSURE)],
            level=reading.level,
            explanation=reading.explanation,
            action=action,
            then=rule.then if action == rule.action else None,
            sources=reading.sources,
        )
        made.append((spec, rule.id))
    return made


def compile_ruleset(document: RulesetDocument) -> CompiledRuleset:
    """Order the questions by step and the rules by their first part's place; RulesetRefused when the
    ruleset needs a newer engine."""
    if document.engine_version > ENGINE_VERSION:
        raise RulesetRefused(
            f"ruleset {document.version} needs engine version {document.engine_version};"
            f" this engine is version {ENGINE_VERSION}"
        )
    questions = tuple(sorted(document.questions, key=lambda q: q.step))
    position = {q.id: index for index, q in enumerate(questions)}
    rank = {level.id: rank for rank, level in enumerate(document.levels)}
    cap = rank[document.combined_unsure_level] if document.combined_unsure_level else 0
    written = [(rule, rule.id) for rule in document.rules]
    compiled = []
    for spec, origin in [*written, *_unsure_rules(document, questions)]:
        tests = tuple(_test(term) for term in spec.when)
        first = tests[0]
        compiled.append(
            Rule(
                spec=spec,
                tests=tests,
                rank=rank[spec.level],
                capped_rank=max(rank[spec.level], cap),
                position=position[spec.questions()[0]],
                combined=len(set(spec.questions())) > 1,
                origin=origin,
                opened_by=first[0] if first[1] in (_IS, _UNSURE) else None,
            )
        )
    # In questionnaire order; of two rules on the same first question, the more urgent first (its action
    # leads when both fire at one level); file order next.
    rules = tuple(sorted(compiled, key=lambda rule: (rule.position, rule.rank)))
    by_opening: dict[str, list[int]] = {}
    for place, rule in enumerate(rules):
        if rule.opened_by is not None:
            by_opening.setdefault(rule.opened_by, []).append(place)
    as_yes = {step.step for step in document.steps if step.unsure.as_yes}
    return CompiledRuleset(
        document=document,
        questions=questions,
        rank=rank,
        rules=rules,
        required=tuple(q for q in questions if q.required),
        ranges={q.id: (q.min, q.max) if q.min is not None and q.max is not None else None for q in questions},
        unsure_as_yes=frozenset(q.id for q in questions if q.type == "bool" and q.step in as_yes),
        asked_if={q.id: _test(q.ask_if) for q in questions if q.ask_if is not None},
        by_opening={question: tuple(places) for question, places in by_opening.items()},
        ungated=tuple(place for place, rule in enumerate(rules) if rule.opened_by is None),
        modifier_tests={
            id(term): _test(term)
            for when in (
                *(exclusion.when for exclusion in document.exclusions),
                *(addition.when for addition in document.additions),
                *([document.maternity.when] if document.maternity else []),
            )
            for term in when
        },
    )


_UNKNOWN = (0, -1)  # the bounds of a question id that is not in the ruleset


def _invalid(loc: str | None, msg: str) -> dict[str, Any]:
    return {"loc": ["body", "answers", *([loc] if loc else [])], "msg": msg}


def parse_answers(engine: CompiledRuleset, raw: object) -> dict[str, Answer]:
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
            replaced = engine.document.replaced.get(key)
            if replaced:
                version = engine.document.version
                errors.append(_invalid(key, f"replaced in ruleset {version} by {' and '.join(replaced)}"))
            else:
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


def strength(test: _Test, answers: Mapping[str, Answer], as_yes: frozenset[str]) -> int:
    """How a test holds: OUTRIGHT, THROUGH_UNSURE or NOT."""
    question, kind, value = test
    if kind == _ANY:
        return max(strength(part, answers, as_yes) for part in value)
    answer = answers.get(question)
    if answer is None:
        return NOT
    if kind == _IS:
        if answer is True:
            return OUTRIGHT
        if answer == UNSURE:
            return OUTRIGHT if question in as_yes else THROUGH_UNSURE
        return NOT
    if kind == _UNSURE:
        return OUTRIGHT if answer == UNSURE else NOT
    if type(answer) is not int:
        return NOT
    return OUTRIGHT if (answer < value if kind == _LT else answer >= value) else NOT


def holds(engine: CompiledRuleset, terms: Iterable[Term], answers: Mapping[str, Answer]) -> bool:
    """Whether every term holds, outright or through "unsure" (for what a yes or an "unsure" changes:
    treatments left out, sentences added, services named)."""
    tests = engine.modifier_tests
    return all(strength(tests.get(id(term)) or _test(term), answers, engine.unsure_as_yes) for term in terms)


def _fires(rule: Rule, answers: Mapping[str, Answer], as_yes: frozenset[str]) -> int:
    """How the rule holds: the weakest of its tests."""
    weakest = OUTRIGHT
    for test in rule.tests:
        held = strength(test, answers, as_yes)
        if held == NOT:
            return NOT
        weakest = min(weakest, held)
    return weakest


def parts(engine: CompiledRuleset, fired: Fired | Rule, answers: Mapping[str, Answer]) -> list[str]:
    """The questions whose answers made the rule fire, in the rule's order; of an `any`, the parts that
    hold best (outright before through "unsure")."""
    rule = fired.rule if isinstance(fired, Fired) else fired
    as_yes = engine.unsure_as_yes
    held: list[str] = []

    def walk(tests: Iterable[_Test]) -> None:
        for test in tests:
            if test[1] == _ANY:
                best = max(strength(part, answers, as_yes) for part in test[2])
                walk(part for part in test[2] if strength(part, answers, as_yes) == best)
            elif test[0] not in held:
                held.append(test[0])

    walk(rule.tests)
    return held


def asked(engine: CompiledRuleset, question: QuestionSpec, answers: Mapping[str, Answer]) -> bool:
    """Whether the question is asked: it has no `ask_if`, or its condition holds (a yes or an "unsure")."""
    condition = engine.asked_if.get(question.id)
    return condition is None or strength(condition, answers, engine.unsure_as_yes) != NOT


def assess(engine: CompiledRuleset, answers: Mapping[str, Answer]) -> Assessment:
    """Fire every rule whose terms all hold; the most urgent fired rule sets the level."""
    as_yes = engine.unsure_as_yes
    # Most answers are no, and most rules start with a yes (or an "unsure") to one question: only the
    # rules that such an answer (or nothing) opens are tried.
    places = [*engine.ungated]
    for question, answer in answers.items():
        if answer is True or answer == UNSURE:
            places += engine.by_opening.get(question, ())
    places.sort()
    rules, levels, cap = engine.rules, engine.document.levels, engine.document.combined_unsure_level
    fired: list[Fired] = []
    for place in places:
        rule = rules[place]
        held = _fires(rule, answers, as_yes)
        if held == OUTRIGHT:
            fired.append(Fired(rule, rule.rank, rule.spec.level, rule.spec.action, False))
        elif held == THROUGH_UNSURE and rule.combined:
            kept = rule.spec.action if rule.spec.keeps_action_when_unsure else None
            capped = levels[rule.capped_rank].id if cap else rule.spec.level
            fired.append(Fired(rule, rule.capped_rank, capped, kept, True))
    fired.sort(key=lambda f: f.rank)  # stable: questionnaire order next
    most_urgent = fired[0].rank if fired else None
    unanswered = tuple(q for q in engine.required if q.id not in answers and asked(engine, q, answers))
    complete = not unanswered or most_urgent == 0
    level = levels[most_urgent if most_urgent is not None else -1].id if complete else None
    excluded = {slug for f in fired for slug in f.spec.excludes}
    for exclusion in engine.document.exclusions:
        if holds(engine, exclusion.when, answers):
            excluded.update(exclusion.excludes)
    return Assessment(
        complete=complete,
        level=level,
        fired=tuple(fired),
        next_questions=() if complete else unanswered,
        excluded=frozenset(excluded),
        minimum_level=levels[most_urgent].id if most_urgent is not None else None,
    )
