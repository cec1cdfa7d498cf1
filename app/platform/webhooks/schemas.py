"""Request and response models of the webhook routes."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.platform.webhooks.models import URL_MAX_LENGTH

WebhookEvent = Literal["content.published", "content.unpublished", "content.deleted", "ruleset.published"]


class WebhookCreate(BaseModel):
    """A new webhook endpoint."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://clinic.example/hooks/backpain",
                    "events": ["content.published", "content.unpublished", "content.deleted"],
                    "description": "Refresh the clinic app's cache",
                }
            ]
        },
    )

    url: str = Field(
        max_length=URL_MAX_LENGTH,
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s]+$",
        description="Where to POST events: https, to a public address.",
    )
    events: list[WebhookEvent] = Field(min_length=1, max_length=4, description="The events to send, each once.")
    description: str = Field(default="", max_length=200, pattern=r"^[^\x00-\x1f]*$", description="What it is for.")

    @field_validator("events")
    @classmethod
    def _each_once(cls, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise ValueError("each event once")
        return events


class WebhookPublic(BaseModel):
    """A webhook endpoint as listed: never its secret."""

    id: uuid.UUID
    url: str
    events: list[WebhookEvent]
    description: str
    created_at: datetime
    failures: int = Field(description="Failed attempts in a row; a delivery that succeeds resets it.")
    disabled_at: datetime | None = Field(description="When it was disabled after too many failures; else null.")
    disabled_reason: str | None = Field(description="Why it was disabled, with the last error; else null.")
    pending: int = Field(description="Events waiting to be delivered, in order.")
    last_error: str | None = Field(description="What went wrong on the last failed attempt, if any is pending.")


class WebhookCreated(WebhookPublic):
    """A new endpoint, with the secret that verifies its signatures: shown only now and on rotation."""

    secret: str = Field(description="`whsec_…`: verify `webhook-signature` with it (Standard Webhooks).")


class WebhookSecret(BaseModel):
    """A new signing secret."""

    secret: str = Field(description="`whsec_…`: the new secret.")
    previous_valid_until: datetime | None = Field(
        description="Until then deliveries carry a signature by the old one too; null when it ended at once."
    )
