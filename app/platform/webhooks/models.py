"""Database tables of the webhooks: registered endpoints, and the outbox of their deliveries."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Text
from sqlmodel import Field, SQLModel

URL_MAX_LENGTH = 2000


class WebhookEndpoint(SQLModel, table=True):
    """A URL an admin registered, the events it wants, and its signing secrets."""

    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(primary_key=True)
    url: str = Field(max_length=URL_MAX_LENGTH)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=200)
    secret: str = Field(max_length=64)
    # After a rotation the old secret signs too, for a day, so that receivers can switch without a gap.
    previous_secret: str | None = Field(default=None, max_length=64)
    previous_secret_until: datetime | None = None
    created_at: datetime
    failures: int = 0  # failed attempts in a row; a success resets it
    disabled_at: datetime | None = None
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text))
    # A worker delivering to this endpoint holds it until then, so deliveries stay in order.
    lease_until: datetime | None = None


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: written in the same transaction as the change, kept until delivered."""

    __tablename__ = "webhook_delivery"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    message_id: str = Field(max_length=40)
    type: str = Field(max_length=32)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime = Field(index=True)
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
