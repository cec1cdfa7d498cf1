"""Admin routes for API keys: create (the key is shown once), list and revoke."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.responses import Response

from app.content.queries import DEFAULT_LIMIT
from app.content.schemas import Page
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import problem_responses
from app.core.http import INT32, JSON_BODY
from app.platform.auth import Admin
from app.platform.keys.service import Scope, create_key, list_keys, revoke_key
from app.platform.listing import CursorQuery, LimitQuery, json_response, page, position
from app.platform.models import ApiKey

router = APIRouter(prefix="/v1/admin/keys", tags=["admin: keys"])

ORIGIN_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$"


def _origin(value: str) -> str:
    """Origins compare as browsers send them: lower case, no trailing slash."""
    return value.lower().rstrip("/")


class KeyCreate(BaseModel):
    """A new API key."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$", description="Who uses it.")
    scopes: list[Scope] = Field(
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


def _public(row: ApiKey) -> KeyPublic:
    return KeyPublic.model_validate(row, from_attributes=True)


@router.post(
    "",
    status_code=201,
    summary="Create an API key",
    response_model=KeyCreated,
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    dependencies=[JSON_BODY],
)
def create(request: Request, admin: Admin, body: KeyCreate, session: WriteSessionDep) -> Response:
    """Create a key with the given scopes, origins and limit; the response is the only time the key is shown."""
    row, key = create_key(session=session, **body.model_dump(), actor=admin.name)
    request.app.state.keyring.refresh()
    created = KeyCreated(**_public(row).model_dump(), key=key)
    return json_response(created, status=201)


@router.get(
    "",
    summary="List API keys",
    response_model=Page[KeyPublic],
    responses=problem_responses(400, 401, 403, 422, 429, 503),
)
def index(
    request: Request, _: Admin, session: SessionDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Response:
    """Every key, revoked ones included, without secrets: `{data, next_cursor}`."""
    after = position(cursor, uuid.UUID)
    rows = list_keys(session=session, after=after, limit=limit)
    return page(request, rows, limit=limit, key=lambda row: row.id, view=_public)


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke an API key",
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def revoke(
    request: Request,
    admin: Admin,
    session: WriteSessionDep,
    key_id: Annotated[uuid.UUID, Path(description="The key's id.", json_schema_extra={"maxLength": 36})],
) -> Response:
    """Revoke a key: from now on it gets a 401, on every worker within about a second."""
    revoke_key(session=session, key_id=key_id, actor=admin.name)
    request.app.state.keyring.refresh()
    return Response(status_code=204)
