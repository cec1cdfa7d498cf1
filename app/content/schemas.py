"""Public representations of the content, as the API sends them."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.content.codes import Code
from app.content.models import CauseCategory, Recommendation, TreatmentCategory, Urgency

REVISION_DOC = "Grows by one with each change an editor publishes to this item."
DIGEST_DOC = (
    "A hash of everything else in this representation, including the summaries of other items it embeds: "
    "it changes whenever the item as served changes, even when `revision` does not. Compare it to spot changes."
)


RECOMMENDATION_DOC = (
    "What the guideline in `recommendation_source` says of this treatment: `recommended` (it says to offer "
    "or do it), `consider` (it may help some people, or helps only with something else, such as exercise), or "
    "`not_recommended` (it advises against it). Null only for a treatment no guideline has been matched to "
    "yet. Filter the list with `?recommendation=`."
)


class Citation(BaseModel):
    """Where a piece of content comes from."""

    source: str = Field(
        description="Slug of the source, resolvable at /v1/sources/{slug}.", examples=["renova-back-spasms"]
    )
    locator: str = Field(description="The section or paragraph of the source.", examples=["Treatments, paragraph 1"])


class ItemSummary(BaseModel):
    """A short reference to another item."""

    slug: str = Field(description="Stable public id.", examples=["muscle-strain"])
    name: str = Field(description="Display name.", examples=["Muscle strain"])
    summary: str = Field(description="One or two sentences.")


class ContentPublic(BaseModel):
    """Fields shared by conditions, causes, symptoms and treatments."""

    model_config = ConfigDict(use_enum_values=True)

    slug: str = Field(description="Stable public id, `^[a-z0-9]+(-[a-z0-9]+)*$`.", examples=["back-spasms"])
    type: str = Field(description="The item's type.")
    name: str = Field(description="Display name.", examples=["Back spasms"])
    summary: str = Field(description="One or two sentences.")
    body: str = Field(description="Plain-text paragraphs separated by a blank line.")
    sources: list[Citation] = Field(description="Citations backing this item.")
    codes: list[Code] = Field(
        description="Clinical codes for what the item is about (SNOMED CT, ICD-10-CM, ICD-10); "
        "empty where no code fits. Find items by code with `?code=<system>|<code>`."
    )
    last_reviewed: date = Field(description="When an editor last reviewed this item.", examples=["2026-11-24"])
    next_review_due: date = Field(description="When the item is next due for review.", examples=["2027-11-24"])
    updated_at: datetime = Field(description="When the published revision was made (RFC 3339).")
    revision: int = Field(description=REVISION_DOC, examples=[1])
    digest: str = Field(description=DIGEST_DOC, examples=["5f1c0e9a7b3d2c48"])


class LinkedPublic(ContentPublic):
    """An item that belongs to one or more conditions."""

    conditions: list[str] = Field(
        description="Slugs of the conditions this item belongs to.", examples=[["back-spasms"]]
    )


class ConditionPublic(ContentPublic):
    """A condition, with summaries of everything linked to it."""

    type: Literal["condition"] = Field(description="Always `condition`.")
    causes: list[ItemSummary] = Field(description="Its causes, by category.")
    symptoms: list[ItemSummary] = Field(description="Its symptoms that are not red flags.")
    treatments: list[ItemSummary] = Field(
        description="Its treatments, self-care first; those a guideline advises against (`not_recommended`) "
        "come after all the others."
    )
    red_flags: list[ItemSummary] = Field(description="Red-flag symptoms, emergencies first.")


class CausePublic(LinkedPublic):
    """Something that can bring on or worsen the condition."""

    type: Literal["cause"] = Field(description="Always `cause`.")
    category: CauseCategory = Field(description="The kind of cause.", examples=["injury"])


class SymptomPublic(LinkedPublic):
    """A symptom; red flags carry how urgent they are and what to do."""

    type: Literal["symptom"] = Field(description="Always `symptom`.")
    red_flag: bool = Field(description="True when this symptom needs care sooner than self-care.")
    urgency: Urgency | None = Field(description="For red flags: `emergency` or `urgent`; otherwise null.")
    action: str | None = Field(description="For red flags: what to do, in plain words; otherwise null.")


class TreatmentPublic(LinkedPublic):
    """A treatment or piece of self-care advice."""

    type: Literal["treatment"] = Field(description="Always `treatment`.")
    category: TreatmentCategory = Field(description="The kind of treatment.", examples=["self_care"])
    when_to_use: str = Field(description="When this treatment fits.")
    cautions: str = Field(description="What to watch out for.")
    recommendation: Recommendation | None = Field(
        description=RECOMMENDATION_DOC, examples=["consider", "not_recommended"]
    )
    recommendation_source: Citation | None = Field(
        description="Where the guideline says it: a source slug (resolvable at /v1/sources/{slug}) and the "
        "recommendation's number or section. It is also one of `sources`. Null with `recommendation`.",
        examples=[{"source": "nice-ng59", "locator": "Recommendation 1.2.11 (TENS)"}],
    )


class CitedFor(BaseModel):
    """An item that cites a source, and where in the source."""

    type: str = Field(description="Type of the citing item.", examples=["treatment"])
    slug: str = Field(description="Slug of the citing item.", examples=["ice-and-heat"])
    locator: str = Field(description="The section or paragraph it cites.", examples=["Treatments, paragraph 1"])


class SourcePublic(BaseModel):
    """A publication the content is drawn from."""

    slug: str = Field(description="Stable public id.", examples=["renova-back-spasms"])
    type: Literal["source"] = Field(description="Always `source`.")
    name: str = Field(description="Short display name.", examples=["Renova: back spasms"])
    title: str = Field(description="The publication's own title.", examples=["Understanding and Treating Back Spasms"])
    publisher: str = Field(description="Who published it.", examples=["Renova"])
    url: str | None = Field(description="Where to read it, when known.")
    summary: str = Field(description="What the source is and what we use it for.")
    cited_for: list[CitedFor] = Field(description="Every published item that cites this source.")
    updated_at: datetime = Field(description="When the published revision was made (RFC 3339).")
    revision: int = Field(description=REVISION_DOC, examples=[1])
    digest: str = Field(description=DIGEST_DOC, examples=["5f1c0e9a7b3d2c48"])
