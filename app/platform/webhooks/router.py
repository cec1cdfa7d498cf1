"""Admin routes of the webhooks: register, list, show, delete, enable, and rotate the signing secret."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlmodel import Session
from starlette.responses import Response

from app.core.db import SessionDep, WriteSessionDep
from app.core.deps import JSON_BODY, settings
from app.core.pagination import Page
from app.platform.access.auth import Admin
from app.platform.admin import (
    CREATE_PROBLEMS,
    ITEM_PROBLEMS,
    LIST_PROBLEMS,
    NO_STORE,
    AdminJSONResponse,
    PagingDep,
)
from app.platform.webhooks.endpoints import (
    backlog,
    create_endpoint,
    delete_endpoint,
    enable_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
)
from app.platform.webhooks.models import WebhookEndpoint
from app.platform.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookPublic, WebhookSecret

router = APIRouter(
    prefix="/v1/admin/webhooks",
    tags=["admin: webhooks"],
    dependencies=[NO_STORE],
    default_response_class=AdminJSONResponse,
)
EndpointId = Annotated[uuid.UUID, Path(description="The endpoint's id.", json_schema_extra={"maxLength": 36})]


def _public(session: Session, row: WebhookEndpoint) -> WebhookPublic:
    pending, last_error = backlog(session=session, endpoint_id=row.id)
    return WebhookPublic(
        id=row.id,
        url=row.url,
        events=row.events,  # checked when registered
        description=row.description,
        created_at=row.created_at,
        failures=row.failures,
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
        pending=pending,
        last_error=last_error,
    )


def _loopback(request: Request) -> bool:
    return settings(request).webhooks_allow_loopback


@router.post(
    "",
    name="create_webhook",
    status_code=201,
    summary="Register a webhook endpoint",
    responses=CREATE_PROBLEMS,
    dependencies=[JSON_BODY],
)
def create(request: Request, admin: Admin, body: WebhookCreate, session: WriteSessionDep) -> WebhookCreated:
    """Register a URL for the chosen events; the response is the only time its secret is shown until a
    rotation. The URL must be https to a public address; 409 when WEBHOOK_MAX_ENDPOINTS are registered."""
    row = create_endpoint(
        session=session,
        **body.model_dump(),
        allow_loopback=_loopback(request),
        max_endpoints=settings(request).webhook_max_endpoints,
        actor=admin.name,
        actor_key_id=admin.id,
    )
    return WebhookCreated(**_public(session, row).model_dump(), secret=row.secret)


@router.get("", name="list_webhooks", summary="List webhook endpoints", responses=LIST_PROBLEMS)
def index(_: Admin, session: SessionDep, paging: PagingDep) -> Page[WebhookPublic]:
    """Every endpoint, without secrets, with its backlog and why it is disabled, if it is: `{data, next_cursor}`."""
    rows = list_endpoints(session=session, after=paging.position(uuid.UUID), limit=paging.limit)
    return paging.page(rows, key=lambda row: row.id, view=lambda row: _public(session, row))


@router.get("/{endpoint_id}", name="get_webhook", summary="Get a webhook endpoint", responses=ITEM_PROBLEMS)
def show(_: Admin, session: SessionDep, endpoint_id: EndpointId) -> WebhookPublic:
    """One endpoint, without its secret."""
    return _public(session, get_endpoint(session=session, endpoint_id=endpoint_id))


@router.delete(
    "/{endpoint_id}",
    name="delete_webhook",
    status_code=204,
    summary="Delete a webhook endpoint",
    response_class=Response,
    responses=ITEM_PROBLEMS,
)
def delete(admin: Admin, session: WriteSessionDep, endpoint_id: EndpointId) -> None:
    """Stop sending to an endpoint; what was waiting for it is dropped."""
    delete_endpoint(session=session, endpoint_id=endpoint_id, actor=admin.name, actor_key_id=admin.id)


@router.post(
    "/{endpoint_id}/rotate-secret",
    name="rotate_webhook_secret",
    summary="Rotate a webhook's signing secret",
    responses=ITEM_PROBLEMS,
)
def rotate(
    admin: Admin,
    session: WriteSessionDep,
    endpoint_id: EndpointId,
    end_previous: Annotated[
        bool,
        Query(description="End the old secret at once (it leaked) instead of letting it sign for a day as well."),
    ] = False,
) -> WebhookSecret:
    """A new secret; for a day, deliveries carry a signature by the old secret as well, unless
    `end_previous=true`."""
    row = rotate_secret(
        session=session, endpoint_id=endpoint_id, end_previous=end_previous, actor=admin.name, actor_key_id=admin.id
    )
    return WebhookSecret(secret=row.secret, previous_valid_until=row.previous_secret_until)


@router.post(
    "/{endpoint_id}/enable",
    name="enable_webhook",
    summary="Enable a disabled webhook endpoint",
    responses=ITEM_PROBLEMS,
)
def enable(request: Request, admin: Admin, session: WriteSessionDep, endpoint_id: EndpointId) -> WebhookPublic:
    """Resume deliveries to an endpoint disabled after failures, from the event where it stopped."""
    row = enable_endpoint(
        session=session,
        endpoint_id=endpoint_id,
        allow_loopback=_loopback(request),
        actor=admin.name,
        actor_key_id=admin.id,
    )
    return _public(session, row)
