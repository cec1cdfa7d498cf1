"""Admin routes for API keys: create (the key is shown once), list and revoke."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app.core.db import SessionDep, WriteSessionDep
from app.core.deps import JSON_BODY, services
from app.core.pagination import Page
from app.platform.access.auth import Admin
from app.platform.access.keys.schemas import KeyCreate, KeyCreated, KeyPublic
from app.platform.access.keys.service import create_key, list_keys, revoke_key
from app.platform.admin import (
    CREATE_PROBLEMS,
    ITEM_PROBLEMS,
    LIST_PROBLEMS,
    NO_STORE,
    AdminJSONResponse,
    PagingDep,
)

router = APIRouter(
    prefix="/v1/admin/keys",
    tags=["admin: keys"],
    dependencies=[NO_STORE],
    default_response_class=AdminJSONResponse,
)


@router.post(
    "",
    name="create_key",
    status_code=201,
    summary="Create an API key",
    responses=CREATE_PROBLEMS,
    dependencies=[JSON_BODY],
)
def create(request: Request, admin: Admin, body: KeyCreate, session: WriteSessionDep) -> KeyCreated:
    """Create a key with the given scopes, origins and limit; the response is the only time the key is shown."""
    row, key = create_key(session=session, **body.model_dump(), actor=admin.name, actor_key_id=admin.id)
    services(request).keyring.refresh()
    return KeyCreated(**KeyPublic.model_validate(row).model_dump(), key=key)


@router.get("", name="list_keys", summary="List API keys", responses=LIST_PROBLEMS)
def index(_: Admin, session: SessionDep, paging: PagingDep) -> Page[KeyPublic]:
    """Every key, revoked ones included, without secrets: `{data, next_cursor}`."""
    rows = list_keys(session=session, after=paging.position(uuid.UUID), limit=paging.limit)
    return paging.page(rows, key=lambda row: row.id, view=KeyPublic.model_validate)


@router.delete(
    "/{key_id}",
    name="revoke_key",
    status_code=204,
    summary="Revoke an API key",
    response_class=Response,
    responses=ITEM_PROBLEMS,
)
def revoke(
    request: Request,
    admin: Admin,
    session: WriteSessionDep,
    key_id: Annotated[uuid.UUID, Path(description="The key's id.", json_schema_extra={"maxLength": 36})],
) -> None:
    """Revoke a key: from now on it gets a 401, on every worker within about a second."""
    revoke_key(session=session, key_id=key_id, actor=admin.name, actor_key_id=admin.id)
    services(request).keyring.refresh()
