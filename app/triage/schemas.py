"""Public representations of the questionnaire and of a triage result."""

from typing import Literal

from pydantic import BaseModel, Field

from app.triage.ruleset import RulesetDocument

Level = Literal["emergency", "urgent", "routine", "self_care"]
Timeframe = Literal["now", "today", "within_2_weeks", "self_care"]
AnswerValue = bool | int | Literal["unsure"]


class AskIf(BaseModel):
    """The condition under which a question is asked: one test of an earlier answer."""

    question: str = Field(description="The question whose answer decides.", examples=["pregnant"])
    is_: bool | None = Field(default=None, alias="is", description='`true`: holds on a yes or an "unsure".')
    lt: int | None = Field(default=None, description="Holds on a number below this.")
    ge: int | None = Field(default=None, description="Holds on a number at least this.")


class QuestionPublic(BaseModel):
    """One question, as a client renders it."""

    id: str = Field(description="The question id, the key of its answer.", examples=["fever"])
    text: str = Field(description="The question, in plain words.")
    help: str = Field(description="A hint shown with the question.")
    type: Literal["bool", "int"] = Field(description="`bool`: JSON true/false; `int`: a JSON integer.")
    min: int | None = Field(default=None, description="Smallest allowed answer (int questions only).")
    max: int | None = Field(default=None, description="Largest allowed answer (int questions only).")
    required: bool = Field(description="Whether the result needs this answer to be complete.")
    step: int = Field(description="0 about you, 1 emergency screen, 2 urgent screen, 3 about the pain.", examples=[1])
    ask_if: AskIf | None = Field(
        default=None,
        description='Asked (and required) only when this holds: `is: true` holds on a yes or an "unsure", `lt`'
        " and `ge` on a number below or at least the value. Null: always asked.",
        examples=[{"question": "pregnant", "is": True}],
    )
    answers: list[bool | Literal["unsure"]] | None = Field(
        default=None,
        description='The answers a yes/no question takes: true, false and "unsure" (never read as no).',
        examples=[[True, False, "unsure"]],
    )


class StepPublic(BaseModel):
    """One step of the questionnaire, asked in order."""

    step: int = Field(description="The step number.", examples=[1])
    title: str = Field(description="What the step screens for.", examples=["Emergency signs"])
    questions: list[QuestionPublic]


class Questionnaire(BaseModel):
    """Everything a client needs to render the triage questions."""

    ruleset_version: int = Field(description="Version of the ruleset that asks and evaluates these.", examples=[3])
    intro: str = Field(description="What the questions are for, and what to do in labour.")
    steps: list[StepPublic]


class SourceCitation(BaseModel):
    """A guideline or article a rule is drawn from."""

    source: str = Field(description="Source slug, resolvable at /v1/sources/{slug}.", examples=["nhs-cauda-equina"])
    locator: str = Field(description="The section of the source.", examples=["Symptoms"])


class ReasonPart(BaseModel):
    """One answer that a rule tested and found to hold."""

    question_id: str = Field(description="The question.", examples=["sexual_dysfunction_new"])
    answer: AnswerValue = Field(description="Its answer, as given.", examples=[True])


class Reason(BaseModel):
    """A rule that fired, and why it matters."""

    question_id: str = Field(description="The question whose answer fired the rule (a combined rule's first part).")
    answer: AnswerValue = Field(description="That answer, as given.")
    parts: list[ReasonPart] = Field(description="Every answer the rule needed; more than one for a combined rule.")
    level: Level = Field(description="The level this rule asks for.")
    explanation: str = Field(description="Why, in plain words.")
    action: str | None = Field(description="What to do, when the rule has its own advice; else null.")
    sources: list[SourceCitation]


class EmergencyService(BaseModel):
    """How to reach emergency help where the person is."""

    name: str = Field(description='How the advice names it: "999", "112 or 999", or "the emergency number".')
    number: str | None = Field(description="The number to dial (for a tel: link); null when no region is known.")


class UrgentService(BaseModel):
    """The same-day advice service where the person is, or where to go when there is none."""

    name: str = Field(description="The service, for example NHS 111 or an urgent care centre.")
    number: str | None = Field(description="Its phone number, when it has one.")


class MaternityService(BaseModel):
    """The maternity service, named when the person is (or may be) pregnant or has just given birth."""

    name: str = Field(description="How the advice names it, for example 'your maternity unit or midwife'.")
    number: str | None = Field(description="Its phone number, when the deployment sets one (MATERNITY_SERVICE_NUMBER).")


class Services(BaseModel):
    """The services the advice names, as fields a client can make tappable."""

    emergency: EmergencyService
    urgent: UrgentService
    maternity: MaternityService | None = Field(
        default=None, description="Present only when `pregnant` is answered yes or unsure."
    )


class MinimumLevel(BaseModel):
    """On an incomplete result: the most urgent level the answers so far already give, and what to do."""

    level: Level
    timeframe: Timeframe
    title: str
    advice: str = Field(description="What to do already, even before the rest of the questions.")


class TreatmentSummary(BaseModel):
    """A treatment from the content that fits the result."""

    slug: str = Field(description="Resolvable at /v1/treatments/{slug}.", examples=["ice"])
    name: str
    summary: str
    category: Literal["self_care", "medication", "professional_care"]
    cautions: str = Field(description="What to watch out for; show it beside the treatment.")


class TriageResult(BaseModel):
    """How soon, and where, to get care; or the questions still needed to say."""

    complete: bool = Field(description="True once an emergency rule fired or every required question is answered.")
    level: Level | None = Field(description="The most urgent level any rule gives; null while incomplete.")
    timeframe: Timeframe | None = Field(description="How soon to act; null while incomplete.")
    title: str = Field(description="A short headline.")
    advice: str = Field(description="What to do, in plain words, naming the region's services.")
    minimum_level: MinimumLevel | None = Field(
        description="On an incomplete result, the most urgent level reached so far (null when no rule has fired yet);"
        " null on a complete result."
    )
    region: str | None = Field(description="The region whose services are named; null when none is known.")
    services: Services
    reasons: list[Reason] = Field(description="Every rule that fired, most urgent first.")
    red_flags: list[str] = Field(description="Slugs of matched red-flag symptoms, resolvable at /v1/symptoms/{slug}.")
    next_questions: list[QuestionPublic] = Field(
        description="Unanswered required questions in step order; empty when complete."
    )
    treatments: list[TreatmentSummary] = Field(
        description="For self_care and routine: treatments that apply, self-care first, without any a rule excludes."
    )
    safety_net: list[str] = Field(description="Signs that should make the person seek help sooner.")
    disclaimer: str = Field(description="This is guidance, not a diagnosis.")
    ruleset_version: int = Field(description="Version of the ruleset that produced this result.")


class OfflineRuleset(BaseModel):
    """The ruleset in force, for assessing answers with no network: `/triage-engine.js` evaluates it
    exactly as `POST /v1/triage` does."""

    version: int = Field(description="The ruleset version; results carry it as `ruleset_version`.", examples=[3])
    engine_version: int = Field(
        description="The oldest engine version that can evaluate it; an older engine refuses it."
    )
    valid_until: str = Field(
        description="When this copy expires (RFC 3339, UTC): an engine refuses it after then, and an app fetches it"
        " again. The API's own answer is always current."
    )
    region: str | None = Field(description="The deployment's own region: used when a request names none.")
    services: Services = Field(description="The deployment's own services, used when a request names no region.")
    maternity: MaternityService | None = Field(
        default=None,
        description="The deployment's maternity service (MATERNITY_SERVICE_NAME and _NUMBER), named in every region"
        " when `pregnant` is answered yes or unsure; null when the ruleset names none.",
    )
    document: RulesetDocument = Field(
        description="The ruleset itself: levels (most urgent first), steps, questions, rules and regions."
    )
