"""The drafts table: each item's working document and the document last published."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.content.models import SLUG_MAX_LENGTH


class ItemDraft(SQLModel, table=True):
    """The editable copy of an item: its working document and the document last published."""

    __tablename__ = "item_draft"
    __table_args__ = (UniqueConstraint("type", "slug", name="uq_item_draft_type_slug"),)

    id: uuid.UUID = Field(primary_key=True)
    type: str = Field(max_length=16)
    slug: str = Field(max_length=SLUG_MAX_LENGTH)
    revision: int
    status: str = Field(max_length=16)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    published_revision: int | None = None
    created_at: datetime
    updated_at: datetime
