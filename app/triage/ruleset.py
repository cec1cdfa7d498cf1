"""The shape of a triage ruleset document, checked when it is loaded."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.content.models import SLUG_PATTERN

UNSURE = "unsure"
# The placeholders a patient-facing text may use, filled in per region.
PLACEHOLDERS = frozenset({"emergency", "urgent"})
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceRef(_Strict):
    source: str = Field(pattern=SLUG_PATTERN)
    locator: str = Field(min_length=1)


class LevelText(_Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    timeframe: str
    title: str
    advice: str
    advice_when: dict[str, str] = {}
    safety_net: list[str]
    treatments: list[str] = []


class Unsure(_Strict):
    """How an "unsure" answer to a question of one step is read: a level of its own, or as yes."""

    level: str | None = None
    as_yes: bool = False
    explanation: str | None = None
    sources: list[SourceRef] = []

    @model_validator(mode="after")
    def _one_reading(self) -> Self:
        if self.as_yes == (self.level is not None):
            raise ValueError("an unsure reading is either `as_yes: true` or a `level`")
        if self.level is not None and not (self.explanation and self.sources):
            raise ValueError("an unsure level needs an explanation and sources")
        return self


class Step(_Strict):
    step: int = Field(ge=0)
    title: str
    unsure: Unsure


class QuestionUnsure(_Strict):
    """A question's own reading of "unsure", instead of its step's: a level, and an action that
    replaces the level's advice (else the action of the question's own rule, when it has one)."""

    level: str
    action: str | None = None
    explanation: str
    sources: list[SourceRef] = Field(min_length=1)


class QuestionSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    step: int = Field(ge=0)
    type: Literal["bool", "int"]
    required: bool
    text: str
    help: str
    min: int | None = None
    max: int | None = None
    ask_if: "Term | None" = Field(
        default=None, description="Asked, required and listed in `next_questions` only when this holds."
    )
    unsure: QuestionUnsure | None = None

    @model_validator(mode="after")
    def _range_for_ints(self) -> Self:
        if (self.type == "int") != (self.min is not None and self.max is not None):
            raise ValueError(f"question {self.id}: int questions, and only they, have min and max")
        return self


class Term(_Strict):
    """One test of one answer (`is: true` for a yes, `is: unsure` for an "unsure", `<` or `>=` against a
    threshold for a number), or `any` of several terms."""

    question: str | None = None
    # A boolean or "unsure" in the schema (as answers are), so that generated clients can type it; only
    # `true` and "unsure" pass.
    is_: StrictBool | Literal["unsure"] | None = Field(
        default=None,
        alias="is",
        json_schema_extra={"anyOf": [{"type": "boolean"}, {"type": "string", "enum": [UNSURE]}, {"type": "null"}]},
    )
    # Read as written in the ruleset file ("<", ">="); sent and stored as `lt` and `ge`, names that
    # generated clients can use.
    lt: int | None = Field(default=None, validation_alias="<")
    ge: int | None = Field(default=None, validation_alias=">=")
    any_: list["Term"] | None = Field(default=None, alias="any", min_length=2)

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        if self.is_ is False:
            raise ValueError(f"a term on {self.question} tests `is: true` or `is: unsure`, never `is: false`")
        if self.any_ is not None:
            if self.question is not None or (self.is_, self.lt, self.ge) != (None, None, None):
                raise ValueError("an `any` term holds only other terms")
        elif self.question is None or sum(test is not None for test in (self.is_, self.lt, self.ge)) != 1:
            raise ValueError(f"a term on {self.question} needs exactly one of is, <, >=")
        return self

    def questions(self) -> Iterator[str]:
        """The questions this term tests, in order."""
        if self.any_ is not None:
            for term in self.any_:
                yield from term.questions()
        else:
            assert self.question is not None
            yield self.question


QuestionSpec.model_rebuild()


class RuleSpec(_Strict):
    id: str
    when: list[Term] = Field(min_length=1)
    level: str
    explanation: str
    action: str | None = None
    excludes: list[str] = Field(default=[], description="Treatment slugs not to show when this rule fires.")
    sources: list[SourceRef] = Field(min_length=1)
    red_flag: str | None = Field(default=None, pattern=SLUG_PATTERN)
    then: str | None = Field(
        default=None, description="What the advice adds when another rule's emergency advice leads (else the action)."
    )
    keeps_action_when_unsure: bool = Field(
        default=False, description="Keep the action when an unsure part caps the rule at `combined_unsure_level`."
    )

    def questions(self) -> list[str]:
        """Every question the rule tests, its first part first."""
        return [question for term in self.when for question in term.questions()]


class Service(_Strict):
    name: str = Field(min_length=1)
    number: str | None = Field(default=None, pattern=r"^[0-9][0-9 ]{1,19}$")
    said: str | None = Field(default=None, description="How a text names it, when name and number are not enough.")
    source: str | None = Field(default=None, pattern=r"^https://")


class RegionServices(_Strict):
    emergency: Service
    urgent: Service


class Region(RegionServices):
    code: str = Field(pattern=r"^[A-Z]{2}$")

    @model_validator(mode="after")
    def _cited(self) -> Self:
        for service in (self.emergency, self.urgent):
            if service.number is not None and service.source is None:
                raise ValueError(f"region {self.code}: each number is cited to the service's own page")
        if self.emergency.number is None:
            raise ValueError(f"region {self.code} needs an emergency number")
        return self


class Incomplete(_Strict):
    title: str
    advice: str


class Maternity(_Strict):
    """When results name the maternity service, and how."""

    when: list[Term] = Field(min_length=1)
    service: Service


class Exclusion(_Strict):
    """Treatments not shown when every term holds (a yes, or an "unsure"), whatever the level."""

    when: list[Term] = Field(min_length=1)
    excludes: list[str] = Field(min_length=1)
    why: str


class Addition(_Strict):
    """A sentence the advice gains at some levels when every term holds (a yes, or an "unsure"), unless
    one of the `unless` rules fired at the result's level with its action."""

    when: list[Term] = Field(min_length=1)
    levels: list[str] = Field(min_length=1)
    text: str
    unless: list[str] = []


class RulesetDocument(_Strict):
    """A whole ruleset: levels (most urgent first), steps, questions, rules and regions."""

    version: int = Field(ge=1)
    engine_version: int = Field(ge=1, description="The oldest engine version that can evaluate this ruleset.")
    intro: str
    disclaimer: str
    incomplete: Incomplete
    replaced: dict[str, list[str]] = Field(
        default={}, description="Question ids of an earlier version, each with the ids that replaced it."
    )
    regions: list[Region] = Field(min_length=1)
    unknown_region: RegionServices
    maternity: Maternity | None = None
    emergency_signs: list[str] = Field(min_length=1)
    levels: list[LevelText] = Field(min_length=1)
    exclusions: list[Exclusion] = []
    additions: list[Addition] = []
    combined_unsure_level: str | None = Field(
        default=None, description="The most urgent level a combined rule gives when a part holds only through unsure."
    )
    steps: list[Step]
    questions: list[QuestionSpec]
    rules: list[RuleSpec]

    def texts(self) -> Iterator[str]:
        """Every patient-facing text, for checks of wording and placeholders."""
        yield from (self.intro, self.disclaimer, self.incomplete.title, self.incomplete.advice)
        yield from self.emergency_signs
        for level in self.levels:
            yield from (level.title, level.advice, *level.advice_when.values(), *level.safety_net)
        yield from (addition.text for addition in self.additions)
        for step in self.steps:
            yield step.title
            if step.unsure.explanation:
                yield step.unsure.explanation
        for question in self.questions:
            yield from (question.text, question.help)
            if question.unsure is not None:
                yield question.unsure.explanation
                if question.unsure.action:
                    yield question.unsure.action
        for rule in self.rules:
            yield rule.explanation
            yield from (text for text in (rule.action, rule.then) if text)

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        levels, steps, questions = _unique_ids(self)
        _check_unsure_levels(self, levels)
        _check_questions(self, levels, steps, questions)
        _check_replaced(self, questions)
        _check_modifiers(self, questions)
        rule_ids = _unique_rule_ids(self)
        _check_additions(self, levels, rule_ids)
        _check_advice_when(self, questions)
        _check_rules(self, levels, questions)
        _check_placeholders(self)
        return self


def _unique_ids(document: RulesetDocument) -> tuple[set[str], set[int], dict[str, QuestionSpec]]:
    """The level ids, step numbers and questions by id; ValueError when one of them, or a region code, is
    given twice."""
    levels = {level.id for level in document.levels}
    steps = {step.step for step in document.steps}
    if len(levels) != len(document.levels) or len(steps) != len(document.steps):
        raise ValueError("level ids and step numbers must be unique")
    questions = {q.id: q for q in document.questions}
    if len(questions) != len(document.questions):
        raise ValueError("question ids must be unique")
    if len({r.code for r in document.regions}) != len(document.regions):
        raise ValueError("region codes must be unique")
    return levels, steps, questions


def _check_unsure_levels(document: RulesetDocument, levels: set[str]) -> None:
    for step in document.steps:
        if step.unsure.level is not None and step.unsure.level not in levels:
            raise ValueError(f"step {step.step}: unknown unsure level {step.unsure.level}")
    if document.combined_unsure_level is not None and document.combined_unsure_level not in levels:
        raise ValueError(f"unknown combined_unsure_level {document.combined_unsure_level}")


def _check_questions(
    document: RulesetDocument, levels: set[str], steps: set[int], questions: dict[str, QuestionSpec]
) -> None:
    for question in document.questions:
        if question.step not in steps:
            raise ValueError(f"question {question.id} is in unknown step {question.step}")
        if question.unsure is not None and question.unsure.level not in levels:
            raise ValueError(f"question {question.id}: unknown unsure level {question.unsure.level}")
        if question.ask_if is not None:
            _check_term(f"ask_if of {question.id}", question.ask_if, questions)


def _check_replaced(document: RulesetDocument, questions: dict[str, QuestionSpec]) -> None:
    for old, new in document.replaced.items():
        if old in questions or not new or set(new) - set(questions):
            raise ValueError(f"replaced question {old} must be gone and replaced by known questions")


def _check_modifiers(document: RulesetDocument, questions: dict[str, QuestionSpec]) -> None:
    """The terms of exclusions, additions and the maternity condition test known questions."""
    maternity = (document.maternity,) if document.maternity else ()
    for modifier in (*document.exclusions, *document.additions, *maternity):
        for term in modifier.when:
            _check_term("a modifier", term, questions)


def _unique_rule_ids(document: RulesetDocument) -> set[str]:
    rule_ids = {rule.id for rule in document.rules}
    if len(rule_ids) != len(document.rules):
        raise ValueError("rule ids must be unique")
    return rule_ids


def _check_additions(document: RulesetDocument, levels: set[str], rule_ids: set[str]) -> None:
    for addition in document.additions:
        if set(addition.levels) - levels or set(addition.unless) - rule_ids:
            raise ValueError(f"addition {addition.text!r} names an unknown level or rule")


def _check_advice_when(document: RulesetDocument, questions: dict[str, QuestionSpec]) -> None:
    for level in document.levels:
        for condition in level.advice_when:
            if condition not in questions or questions[condition].type != "bool":
                raise ValueError(f"level {level.id}: advice_when needs a bool question, not {condition}")


def _check_rules(document: RulesetDocument, levels: set[str], questions: dict[str, QuestionSpec]) -> None:
    for rule in document.rules:
        if rule.level not in levels:
            raise ValueError(f"rule {rule.id} has unknown level {rule.level}")
        for term in rule.when:
            _check_term(rule.id, term, questions)


def _check_placeholders(document: RulesetDocument) -> None:
    for text in document.texts():
        unknown = set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS
        if unknown:
            raise ValueError(f"unknown placeholder {sorted(unknown)} in: {text}")


def _check_term(rule: str, term: Term, questions: dict[str, QuestionSpec]) -> None:
    for part in term.any_ or ():
        _check_term(rule, part, questions)
    if term.question is None:
        return
    tested = questions.get(term.question)
    if tested is None:
        raise ValueError(f"rule {rule} tests unknown question {term.question}")
    if (term.is_ is not None) != (tested.type == "bool"):
        raise ValueError(f"rule {rule}: `is` tests bool questions, `<` and `>=` int ones")
    if term.is_ == UNSURE and term.question is not None and tested.type != "bool":
        raise ValueError(f"rule {rule}: only a yes/no question can be answered unsure")


def parse_ruleset_file(path: Path) -> RulesetDocument:
    """Read a ruleset document from its YAML file and check its shape."""
    return RulesetDocument.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
