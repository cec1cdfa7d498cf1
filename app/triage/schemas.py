"""Public representations of the questionnaire and of a triage result."""

from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["emergency", "urgent", "routine", "self_care"]
Timeframe = Literal["now", "today", "within_2_weeks", "self_care"]


class QuestionPublic(BaseModel):
    """One question, as a client renders it."""

    id: str = Field(description="The question id, the key of its answer.", examples=["fever"])
    text: str = Field(description="The question, in plain words.")
    help: str = Field(description="A hint shown with the question.")
    type: Literal["bool", "int"] = Field(description="`bool`: JSON true/false; `int`: a JSON integer.")
    min: int | None = Field(default=None, description="Smallest allowed answer (int questions only).")
    max: int | None = Field(default=None, description="Largest allowed answer (int questions only).")
    required: bool = Field(description="Whether the result needs this answer to be complete.")
    step: int = Field(description="1 emergency screen, 2 urgent screen, 3 about the pain.", examples=[1])


class StepPublic(BaseModel):
    """One step of the questionnaire, asked in order."""

    step: int = Field(description="The step number.", examples=[1])
    title: str = Field(description="What the step screens for.", examples=["Emergency signs"])
    questions: list[QuestionPublic]


class Questionnaire(BaseModel):
    """Everything a client needs to render the triage questions."""

    ruleset_version: str = Field(description="Version of the ruleset that asks and evaluates these.")
    steps: list[StepPublic]


class SourceCitation(BaseModel):
    """A guideline or article a rule is drawn from."""

    source: str = Field(description="Source slug, resolvable at /v1/sources/{slug}.", examples=["nhs-cauda-equina"])
    locator: str = Field(description="The section of the source.", examples=["Symptoms"])


class Reason(BaseModel):
    """A rule that fired, and why it matters."""

    question_id: str = Field(description="The question whose answer fired the rule.", examples=["fever"])
    answer: bool | int = Field(description="That answer, as given.")
    level: Level = Field(description="The level this rule asks for.")
    explanation: str = Field(description="Why, in plain words.")
    sources: list[SourceCitation]


class TreatmentSummary(BaseModel):
    """A treatment from the content that fits the result."""

    slug: str = Field(description="Resolvable at /v1/treatments/{slug}.", examples=["ice"])
    name: str
    summary: str
    category: Literal["self_care", "medication", "professional_care"]


class TriageResult(BaseModel):
    """How soon, and where, to get care; or the questions still needed to say."""

    complete: bool = Field(description="True once an emergency rule fired or every required question is answered.")
    level: Level | None = Field(description="The most urgent level any rule gives; null while incomplete.")
    timeframe: Timeframe | None = Field(description="How soon to act; null while incomplete.")
    title: str = Field(description="A short headline.")
    advice: str = Field(description="What to do, in plain words.")
    reasons: list[Reason] = Field(description="Every rule that fired, most urgent first.")
    red_flags: list[str] = Field(description="Slugs of matched red-flag symptoms, resolvable at /v1/symptoms/{slug}.")
    next_questions: list[QuestionPublic] = Field(
        description="Unanswered required questions in step order; empty when complete."
    )
    treatments: list[TreatmentSummary] = Field(
        description="For self_care and routine: treatments that apply, self-care first."
    )
    safety_net: list[str] = Field(description="Signs that should make the person seek help sooner.")
    disclaimer: str = Field(description="This is guidance, not a diagnosis.")
    ruleset_version: str = Field(description="Version of the ruleset that produced this result.")
