"""The audit log's table: one row per write made through the platform (keys, editing, webhooks)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, Uuid, null
from sqlmodel import Field, SQLModel

from app.content.models import SLUG_MAX_LENGTH


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
