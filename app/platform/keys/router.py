"""Admin routes for API keys: create (the key is shown once), list and revoke."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import problem_responses
from app.core.http import JSON_BODY
from app.core.pagination import DEFAULT_LIMIT, Page
from app.platform.auth import Admin
from app.platform.keys.schemas import KeyCreate, KeyCreated, KeyPublic
from app.platform.keys.service import create_key, list_keys, revoke_key
from app.platform.listing import CursorQuery, LimitQuery, json_response, page, position
from app.platform.models import ApiKey

router = APIRouter(prefix="/v1/admin/keys", tags=["admin: keys"])


def _public(row: ApiKey) -> KeyPublic:
    return KeyPublic.model_validate(row, from_attributes=True)


@router.post(
    "",
    name="create_key",
    status_code=201,
    summary="Create an API key",
    response_model=KeyCreated,
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    dependencies=[JSON_BODY],
)
def create(request: Request, admin: Admin, body: KeyCreate, session: WriteSessionDep) -> Response:
    """Create a key with the given scopes, origins and limit; the response is the only time the key is shown."""
    row, key = create_key(session=session, **body.model_dump(), actor=admin.name, actor_key_id=admin.id)
    request.app.state.keyring.refresh()
    created = KeyCreated(**_public(row).model_dump(), key=key)
    return json_response(created, status=201)


@router.get(
    "",
    name="list_keys",
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
    name="revoke_key",
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
    revoke_key(session=session, key_id=key_id, actor=admin.name, actor_key_id=admin.id)
    request.app.state.keyring.refresh()
    return Response(status_code=204)
