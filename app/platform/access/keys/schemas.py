"""Request and response models of the API-key routes (and of `backpain keys create`)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.openapi_docs import INT32
from app.platform.access.keys.service import KeyScope

ORIGIN_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$"


def _origin(value: str) -> str:
    """Origins compare as browsers send them: lower case, no trailing slash."""
    return value.lower().rstrip("/")


class KeyCreate(BaseModel):
    """A new API key."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$", description="Who uses it.")
    scopes: list[KeyScope] = Field(
        min_length=1, max_length=3, description="`read`, `edit` and/or `admin`; admin includes edit."
    )
    allowed_origins: list[
        Annotated[str, Field(pattern=ORIGIN_PATTERN, max_length=200, examples=["https://clinic.example"])]
    ] = Field(
        default=[],
        max_length=50,
        description="Browser origins (scheme, host, optional port) it may be used from; empty allows any.",
    )

    @field_validator("allowed_origins")
    @classmethod
    def _normalise(cls, origins: list[str]) -> list[str]:
        return [_origin(origin) for origin in origins]

    rate_limit_per_minute: Annotated[int, Field(ge=1, le=1_000_000, json_schema_extra=INT32)] | None = Field(
        default=None, description="Its own limit; RATE_LIMIT_KEY_PER_MINUTE when left out."
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "clinic-widget",
                    "scopes": ["read"],
                    "allowed_origins": ["https://clinic.example"],
                    "rate_limit_per_minute": 600,
                }
            ]
        },
    )


class KeyPublic(BaseModel):
    """An API key as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str = Field(examples=["clinic-widget"])
    scopes: list[str] = Field(examples=[["read"]])
    allowed_origins: list[str] = Field(examples=[["https://clinic.example"]])
    rate_limit_per_minute: int | None = Field(examples=[600])
    prefix: str = Field(description="The key's first characters, to tell keys apart.", examples=["bpk_Hq3xY7aB"])
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(KeyPublic):
    """A key just made: `key` is shown here once and never again."""

    key: str = Field(description="The API key itself. Store it now.", examples=["bpk_Hq3xY7aB..."])
