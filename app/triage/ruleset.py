"""The shape of a triage ruleset document, checked when it is loaded."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    step: int = Field(ge=1)
    title: str
    unsure: Unsure


class QuestionSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    step: int = Field(ge=1)
    type: Literal["bool", "int"]
    required: bool
    text: str
    help: str
    min: int | None = None
    max: int | None = None

    @model_validator(mode="after")
    def _range_for_ints(self) -> Self:
        if (self.type == "int") != (self.min is not None and self.max is not None):
            raise ValueError(f"question {self.id}: int questions, and only they, have min and max")
        return self


class Term(_Strict):
    """One test of one answer (`is` for a yes/no, `<` or `>=` against a threshold for a number), or
    `any` of several terms."""

    question: str | None = None
    is_: Literal[True] | None = Field(default=None, alias="is")
    # Read as written in the ruleset file ("<", ">="); sent and stored as `lt` and `ge`, names that
    # generated clients can use.
    lt: int | None = Field(default=None, validation_alias="<")
    ge: int | None = Field(default=None, validation_alias=">=")
    any_: list["Term"] | None = Field(default=None, alias="any", min_length=2)

    @model_validator(mode="after")
    def _one_test(self) -> Self:
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


class RuleSpec(_Strict):
    id: str
    when: list[Term] = Field(min_length=1)
    level: str
    explanation: str
    action: str | None = None
    excludes: list[str] = Field(default=[], description="Treatment slugs not to show when this rule fires.")
    sources: list[SourceRef] = Field(min_length=1)
    red_flag: str | None = Field(default=None, pattern=SLUG_PATTERN)

    def questions(self) -> list[str]:
        """Every question the rule tests, its first part first."""
        return [question for term in self.when for question in term.questions()]


class Service(_Strict):
    name: str = Field(min_length=1)
    number: str | None = Field(default=None, pattern=r"^[0-9][0-9 ]{1,19}$")
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


class RulesetDocument(_Strict):
    """A whole ruleset: levels (most urgent first), steps, questions, rules and regions."""

    version: int = Field(ge=1)
    intro: str
    disclaimer: str
    incomplete: Incomplete
    regions: list[Region] = Field(min_length=1)
    unknown_region: RegionServices
    emergency_signs: list[str] = Field(min_length=1)
    levels: list[LevelText] = Field(min_length=1)
    steps: list[Step]
    questions: list[QuestionSpec]
    rules: list[RuleSpec]

    def texts(self) -> Iterator[str]:
        """Every patient-facing text, for checks of wording and placeholders."""
        yield from (self.intro, self.disclaimer, self.incomplete.title, self.incomplete.advice)
        yield from self.emergency_signs
        for level in self.levels:
            yield from (level.title, level.advice, *level.advice_when.values(), *level.safety_net)
        for step in self.steps:
            yield step.title
            if step.unsure.explanation:
                yield step.unsure.explanation
        for question in self.questions:
            yield from (question.text, question.help)
        for rule in self.rules:
            yield rule.explanation
            if rule.action:
                yield rule.action

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        levels = {level.id for level in self.levels}
        steps = {step.step for step in self.steps}
        questions = {q.id: q for q in self.questions}
        if len(questions) != len(self.questions):
            raise ValueError("question ids must be unique")
        if len({r.code for r in self.regions}) != len(self.regions):
            raise ValueError("region codes must be unique")
        for step in self.steps:
            if step.unsure.level is not None and step.unsure.level not in levels:
                raise ValueError(f"step {step.step}: unknown unsure level {step.unsure.level}")
        for question in self.questions:
            if question.step not in steps:
                raise ValueError(f"question {question.id} is in unknown step {question.step}")
        for level in self.levels:
            for condition in level.advice_when:
                if condition not in questions or questions[condition].type != "bool":
                    raise ValueError(f"level {level.id}: advice_when needs a bool question, not {condition}")
        for rule in self.rules:
            if rule.level not in levels:
                raise ValueError(f"rule {rule.id} has unknown level {rule.level}")
            for term in rule.when:
                _check_term(rule.id, term, questions)
        for text in self.texts():
            unknown = set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS
            if unknown:
                raise ValueError(f"unknown placeholder {sorted(unknown)} in: {text}")
        return self


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


def parse_ruleset_file(path: Path) -> RulesetDocument:
    """Read a ruleset document from its YAML file and check its shape."""
    return RulesetDocument.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
