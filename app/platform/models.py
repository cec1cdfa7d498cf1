"""Database tables of the platform: API keys, drafts, the audit log and the change feed."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, Uuid, null, text
from sqlmodel import Field, SQLModel

from app.content.models import SLUG_MAX_LENGTH


class ApiKey(SQLModel, table=True):
    """An API key: only its SHA-256 hash and a short display prefix are kept."""

    __tablename__ = "api_key"
    # One live key per name, so that the audit log's actor names one key.
    __table_args__ = (
        Index(
            "uq_api_key_live_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    allowed_origins: list[str] = Field(sa_column=Column(JSON, nullable=False))
    rate_limit_per_minute: int | None = None
    created_at: datetime
    revoked_at: datetime | None = None


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


class AuditEvent(SQLModel, table=True):
    """One write: who, what, when, and for content the revision and document it produced."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("type", "slug", "revision", name="uq_audit_event_revision"),)
    __mapper_args__ = {"eager_defaults": False}  # nothing to read back after an INSERT (see actor_key_id)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=100)  # the key's name (or what wrote it: the seed, a migration, the CLI)
    # The key's id, for writes made with a key. Migrations before 0012 write events through this model
    # before the column exists: a NULL is left to the column's default, so that their inserts do not name it.
    actor_key_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True, server_default=null()))
    action: str = Field(max_length=32)
    type: str = Field(max_length=16, index=True)
    slug: str = Field(max_length=SLUG_MAX_LENGTH)
    revision: int | None = None
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
