"""The shape of a triage ruleset document, checked when it is loaded."""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.content.models import SLUG_PATTERN


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


class Step(_Strict):
    step: int = Field(ge=1)
    title: str


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
    """One test of one answer: `is` for a bool, `<` or `>=` against a threshold for an int."""

    question: str
    is_: bool | None = Field(default=None, alias="is")
    lt: int | None = Field(default=None, alias="<")
    ge: int | None = Field(default=None, alias=">=")

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        if sum(test is not None for test in (self.is_, self.lt, self.ge)) != 1:
            raise ValueError(f"a term on {self.question} needs exactly one of is, <, >=")
        return self


class RuleSpec(_Strict):
    id: str
    when: list[Term] = Field(min_length=1)
    level: str
    explanation: str
    sources: list[SourceRef] = Field(min_length=1)
    red_flag: str | None = Field(default=None, pattern=SLUG_PATTERN)


class Incomplete(_Strict):
    title: str
    advice: str


class RulesetDocument(_Strict):
    """A whole ruleset: levels (most urgent first), steps, questions and rules."""

    version: str = Field(min_length=1, max_length=64)
    disclaimer: str
    incomplete: Incomplete
    levels: list[LevelText] = Field(min_length=1)
    steps: list[Step]
    questions: list[QuestionSpec]
    rules: list[RuleSpec]

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        levels = {level.id for level in self.levels}
        steps = {step.step for step in self.steps}
        questions = {q.id: q for q in self.questions}
        if len(questions) != len(self.questions):
            raise ValueError("question ids must be unique")
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
                tested = questions.get(term.question)
                if tested is None:
                    raise ValueError(f"rule {rule.id} tests unknown question {term.question}")
                if (term.is_ is not None) != (tested.type == "bool"):
                    raise ValueError(f"rule {rule.id}: `is` tests bool questions, `<` and `>=` int ones")
        return self
