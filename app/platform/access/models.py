"""The API keys table: only a hash and a display prefix of each key are kept."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel


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
