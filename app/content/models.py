"""Database tables for the guidance content."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Re-exported: the content domain is where the other domains find them.
from app.core.slugs import SLUG_MAX_LENGTH as SLUG_MAX_LENGTH
from app.core.slugs import SLUG_PATTERN as SLUG_PATTERN
from app.core.slugs import SLUG_RE as SLUG_RE


class ItemType(StrEnum):
    condition = "condition"
    cause = "cause"
    symptom = "symptom"
    treatment = "treatment"
    source = "source"


class CauseCategory(StrEnum):
    injury = "injury"
    activity = "activity"
    risk_factor = "risk_factor"
    underlying_condition = "underlying_condition"


class TreatmentCategory(StrEnum):
    self_care = "self_care"
    medication = "medication"
    professional_care = "professional_care"


class Urgency(StrEnum):
    emergency = "emergency"
    urgent = "urgent"


class Recommendation(StrEnum):
    """What a guideline says of a treatment, strongest for it first: NICE's "offer" (or a plain
    instruction), its "consider", and its "do not offer"."""

    recommended = "recommended"
    consider = "consider"
    not_recommended = "not_recommended"


class Item(SQLModel, table=True):
    """One piece of content of any type; the columns a type does not use stay null."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("type", "slug", name="uq_item_type_slug"),)

    id: uuid.UUID = Field(primary_key=True)
    type: str = Field(max_length=16, index=True)
    slug: str = Field(max_length=SLUG_MAX_LENGTH)
    name: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    citations: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    category: str | None = Field(default=None, max_length=32)
    red_flag: bool | None = None
    urgency: str | None = Field(default=None, max_length=16)
    action: str | None = Field(default=None, sa_column=Column(Text))
    when_to_use: str | None = Field(default=None, sa_column=Column(Text))
    cautions: str | None = Field(default=None, sa_column=Column(Text))
    title: str | None = Field(default=None, max_length=300)
    publisher: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=500)
    last_reviewed: date | None = None
    next_review_due: date | None = None
    updated_at: datetime
    revision: int = 1


class ItemLink(SQLModel, table=True):
    """A condition's link to one of its causes, symptoms or treatments."""

    __tablename__ = "item_link"

    condition_id: uuid.UUID = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    item_id: uuid.UUID = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")


class ItemCode(SQLModel, table=True):
    """A clinical code of a published item, in the order the editor gave them."""

    __tablename__ = "item_code"

    item_id: uuid.UUID = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    system: str = Field(max_length=100)
    code: str = Field(max_length=18, index=True)
    display: str = Field(max_length=200)


class ItemRecommendation(SQLModel, table=True):
    """What a guideline says of a treatment, and where it says it (a source slug and locator).

    Keyed by the item's id with no foreign key: an unpublish deletes the item's row, and the
    recommendation must outlive it, so that the treatment has it again when it is republished."""

    __tablename__ = "item_recommendation"

    item_id: uuid.UUID = Field(primary_key=True)
    recommendation: str = Field(max_length=16)
    source: str = Field(max_length=SLUG_MAX_LENGTH)
    locator: str = Field(max_length=200)


class ContentCounters(SQLModel, table=True):
    """A single row of counters: published content, API keys, and the oldest change the feed serves."""

    __tablename__ = "content_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    keys_version: int = 0
    changes_floor: int = 0
