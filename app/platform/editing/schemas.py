"""What editors send and get back: one document model per item type, and the admin views."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator, model_validator

from app.content.codes import Code
from app.content.models import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    CauseCategory,
    Recommendation,
    TreatmentCategory,
    Urgency,
)
from app.core.text import TEXT_PATTERN as TEXT
from app.core.text import WebAddress

# TEXT is stated in the schema, so that integrators see it: text never holds a control character other
# than tab, LF and CR, nor DEL, U+FFFE or U+FFFF (NOT_TEXT in app.core.text).
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH, examples=["back-spasms"])]
Name = Annotated[str, Field(min_length=1, max_length=200, description="Display name.", pattern=TEXT)]
Summary = Annotated[str, Field(min_length=1, max_length=1000, description="One or two sentences.", pattern=TEXT)]
Body = Annotated[
    str, Field(max_length=20_000, description="Plain-text paragraphs, blank-line separated.", pattern=TEXT)
]
Advice = Annotated[str, Field(max_length=5_000, description="Plain-text advice.", pattern=TEXT)]
Locator = Annotated[str, Field(min_length=1, max_length=200, description="Section or paragraph cited.", pattern=TEXT)]
Short = Annotated[str, Field(max_length=300, pattern=TEXT)]
Publisher = Annotated[str, Field(max_length=200, pattern=TEXT)]  # no longer than its column
# An ISO 8601 date, YYYY-MM-DD.
# Review dates within reason: a year is added to them, and the database holds no later date than 9999.
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31), json_schema_extra={"maxLength": 10})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class CitationIn(_Strict):
    """Where an item's content comes from."""

    source: Slug = Field(description="Slug of an existing source.")
    locator: Locator


class _Document(_Strict):
    name: Name
    summary: Summary


class _Reviewed(_Document):
    body: Body = ""
    sources: list[CitationIn] = Field(min_length=1, max_length=50, description="At least one citation.")
    codes: list[Code] = Field(
        default=[],
        max_length=20,
        description="Clinical codes, each checked for its system's shape (a SNOMED CT id's check digit, "
        "ICD-10-CM's pattern); leave a concept uncoded rather than guess.",
    )
    last_reviewed: Day | None = Field(default=None, description="Defaults to today.")
    next_review_due: Day | None = Field(default=None, description="Defaults to a year after last_reviewed.")

    @model_validator(mode="after")
    def _codes_once(self) -> "_Reviewed":
        seen = [(code.system, code.code) for code in self.codes]
        if len(set(seen)) != len(seen):
            raise ValueError("a code is given more than once")
        return self


class _Linked(_Reviewed):
    conditions: list[Slug] = Field(default=[], max_length=50, description="Slugs of the conditions it belongs to.")


class ConditionDocument(_Reviewed):
    """A condition's editable fields."""


class CauseDocument(_Linked):
    """A cause's editable fields."""

    category: CauseCategory


class SymptomDocument(_Linked):
    """A symptom's editable fields; a red flag also needs its urgency and action."""

    red_flag: bool = False
    urgency: Urgency | None = None
    action: Advice | None = None

    @model_validator(mode="after")
    def _red_flag_fields(self) -> "SymptomDocument":
        if self.red_flag and (self.urgency is None or not self.action):
            raise ValueError("a red flag needs an urgency and an action")
        if not self.red_flag and (self.urgency is not None or self.action is not None):
            raise ValueError("urgency and action belong to red flags only")
        return self


RECOMMENDATION_DOC = (
    "What the guideline in `recommendation_source` says of this treatment: `recommended` (it says to offer "
    "or do it), `consider` (it may help some people) or `not_recommended` (it advises against it). The public "
    "endpoints show it once the treatment is published."
)
RECOMMENDATION_SOURCE_DOC = (
    "Where the guideline says it: one of the item's `sources`, the same source and locator. Given with "
    "`recommendation`, and neither can be null."
)


class TreatmentDocument(_Linked):
    """A treatment's editable fields.

    Every treatment is created with its recommendation. A treatment published before its document carried
    one stands for the recommendation it was published with, until an editor sets it."""

    category: TreatmentCategory
    when_to_use: Advice = ""
    cautions: Advice = ""
    recommendation: Recommendation | None = Field(default=None, description=RECOMMENDATION_DOC, examples=["consider"])
    recommendation_source: CitationIn | None = Field(default=None, description=RECOMMENDATION_SOURCE_DOC)

    @field_validator("recommendation", "recommendation_source", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("every treatment has one; it cannot be null")
        return value

    @field_validator("recommendation_source")
    @classmethod
    def _cited(cls, value: CitationIn | None, info: ValidationInfo) -> CitationIn | None:
        # Sources that failed their own checks are not in info.data: their errors say enough.
        if value is not None and value not in info.data.get("sources", [value]):
            raise ValueError("must be one of the item's sources, with the same source and locator")
        return value

    @model_validator(mode="after")
    def _given_together(self) -> "TreatmentDocument":
        if (self.recommendation is None) != (self.recommendation_source is None):
            raise ValueError("recommendation and recommendation_source are given together")
        return self


class SourceDocument(_Document):
    """A source's editable fields."""

    title: Short | None = Field(default=None, description="Full title; defaults to the name.")
    publisher: Publisher = Field(default="", description="Who published it.")
    url: WebAddress | None = Field(
        default=None, description="Where it can be read, if known: an http or https URL to a domain name, kept as sent."
    )


DOCUMENTS: dict[str, type[_Document]] = {
    "condition": ConditionDocument,
    "cause": CauseDocument,
    "symptom": SymptomDocument,
    "treatment": TreatmentDocument,
    "source": SourceDocument,
}


# What a new item of a type must give although its document may lack it (see TreatmentDocument).
_REQUIRED_ON_CREATE: dict[str, dict[str, Any]] = {
    "treatment": {
        "recommendation": (Recommendation, Field(description=RECOMMENDATION_DOC, examples=["consider"])),
        "recommendation_source": (CitationIn, Field(description=RECOMMENDATION_SOURCE_DOC)),
    }
}


def create_model_for(kind: str) -> type[BaseModel]:
    """The body of a create: the document and its slug."""
    document = DOCUMENTS[kind]
    return create_model(
        f"{document.__name__.removesuffix('Document')}Create",
        __base__=document,
        __doc__=f"A new {kind}: its slug and editable fields.",
        slug=(Slug, Field(description="Stable public id; it cannot change later.")),
        **_REQUIRED_ON_CREATE.get(kind, {}),
    )


def update_model_for(kind: str) -> type[BaseModel]:
    """The body of a PATCH: any of the editable fields; the slug cannot change."""
    document = DOCUMENTS[kind]
    fields: dict[str, Any] = {}
    for name, info in document.model_fields.items():
        # The document's own constraints (lengths, patterns) hold for a changed field too.
        annotation: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = (annotation | None, Field(default=None, description=info.description))
    return create_model(
        f"{document.__name__.removesuffix('Document')}Update",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Changes to a {kind}'s draft; fields left out keep their value.",
        **fields,
    )


Status = Literal["draft", "published", "unpublished"]


class AdminItem(BaseModel):
    """An item as editors see it: its draft document and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    type: str = Field(description="The item's type.", examples=["treatment"])
    slug: str = Field(description="Stable public id.", examples=["heat-therapy"])
    status: Status = Field(description="`draft` (never published), `published` or `unpublished`.")
    revision: int = Field(description="The draft's revision; grows with every write.", examples=[3])
    published_revision: int | None = Field(description="The revision the public endpoints show, if any.")
    document: dict[str, Any] = Field(description="The draft's editable fields.")
    created_at: datetime
    updated_at: datetime


class Revision(BaseModel):
    """One write to an item and the document it left."""

    model_config = ConfigDict(from_attributes=True)

    revision: int = Field(description="The item's revision after this write.", examples=[2])
    action: str = Field(description="create, update, publish, unpublish, delete or seed.", examples=["update"])
    actor: str = Field(description="Name of the key that wrote it.", examples=["clinic-editor"])
    at: datetime
    document: dict[str, Any] | None = Field(description="The draft document after the write.")


class AuditEntry(BaseModel):
    """One write anywhere in the API."""

    model_config = ConfigDict(from_attributes=True)

    actor: str = Field(
        description="Name of the key that wrote it (or `seed`, `cli`, `migration …`).", examples=["clinic-editor"]
    )
    actor_key_id: uuid.UUID | None = Field(
        description="Id of the key that wrote it; null for the seed, the command line and migrations.",
        examples=["0b6f5c1e-8d0a-4e43-9a57-3c1f0f1b7a2d"],
    )
    action: str = Field(description="What it did.", examples=["publish"])
    type: str = Field(
        description="Item type, `key` for API keys, or `webhook` for webhook endpoints.", examples=["treatment"]
    )
    slug: str = Field(description="Item slug, or the key's or webhook endpoint's id.", examples=["heat-therapy"])
    revision: int | None = Field(description="The item's revision after the write.", examples=[3])
    at: datetime
