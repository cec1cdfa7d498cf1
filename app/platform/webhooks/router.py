"""Admin routes of the webhooks: register, list, show, delete, enable, and rotate the signing secret."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlmodel import Session
from starlette.responses import Response

from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import problem_responses
from app.core.http import JSON_BODY
from app.core.pagination import DEFAULT_LIMIT, Page
from app.platform.auth import Admin
from app.platform.listing import CursorQuery, LimitQuery, json_response, page, position
from app.platform.webhooks.models import WebhookEndpoint
from app.platform.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookPublic, WebhookSecret
from app.platform.webhooks.service import (
    backlog,
    create_endpoint,
    delete_endpoint,
    enable_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
)

router = APIRouter(prefix="/v1/admin/webhooks", tags=["admin: webhooks"])
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
    allowed: bool = request.app.state.settings.webhooks_allow_loopback
    return allowed


@router.post(
    "",
    name="create_webhook",
    status_code=201,
    summary="Register a webhook endpoint",
    response_model=WebhookCreated,
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    dependencies=[JSON_BODY],
)
def create(request: Request, admin: Admin, body: WebhookCreate, session: WriteSessionDep) -> Response:
    """Register a URL for the chosen events; the response is the only time its secret is shown until a
    rotation. The URL must be https to a public address; 409 when WEBHOOK_MAX_ENDPOINTS are registered."""
    row = create_endpoint(
        session=session,
        **body.model_dump(),
        allow_loopback=_loopback(request),
        max_endpoints=request.app.state.settings.webhook_max_endpoints,
        actor=admin.name,
        actor_key_id=admin.id,
    )
    created = WebhookCreated(**_public(session, row).model_dump(), secret=row.secret)
    return json_response(created, status=201)


@router.get(
    "",
    name="list_webhooks",
    summary="List webhook endpoints",
    response_model=Page[WebhookPublic],
    responses=problem_responses(400, 401, 403, 422, 429, 503),
)
def index(
    request: Request, _: Admin, session: SessionDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Response:
    """Every endpoint, without secrets, with its backlog and why it is disabled, if it is: `{data, next_cursor}`."""
    rows = list_endpoints(session=session, after=position(cursor, uuid.UUID), limit=limit)
    return page(request, rows, limit=limit, key=lambda row: row.id, view=lambda row: _public(session, row))


@router.get(
    "/{endpoint_id}",
    name="get_webhook",
    summary="Get a webhook endpoint",
    response_model=WebhookPublic,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def show(_: Admin, session: SessionDep, endpoint_id: EndpointId) -> Response:
    """One endpoint, without its secret."""
    return json_response(_public(session, get_endpoint(session=session, endpoint_id=endpoint_id)))


@router.delete(
    "/{endpoint_id}",
    name="delete_webhook",
    status_code=204,
    summary="Delete a webhook endpoint",
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def delete(admin: Admin, session: WriteSessionDep, endpoint_id: EndpointId) -> Response:
    """Stop sending to an endpoint; what was waiting for it is dropped."""
    delete_endpoint(session=session, endpoint_id=endpoint_id, actor=admin.name, actor_key_id=admin.id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    name="rotate_webhook_secret",
    summary="Rotate a webhook's signing secret",
    response_model=WebhookSecret,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def rotate(
    admin: Admin,
    session: WriteSessionDep,
    endpoint_id: EndpointId,
    end_previous: Annotated[
        bool,
        Query(description="End the old secret at once (it leaked) instead of letting it sign for a day as well."),
    ] = False,
) -> Response:
    """A new secret; for a day, deliveries carry a signature by the old secret as well, unless
    `end_previous=true`."""
    row = rotate_secret(
        session=session, endpoint_id=endpoint_id, end_previous=end_previous, actor=admin.name, actor_key_id=admin.id
    )
    return json_response(WebhookSecret(secret=row.secret, previous_valid_until=row.previous_secret_until))


@router.post(
    "/{endpoint_id}/enable",
    name="enable_webhook",
    summary="Enable a disabled webhook endpoint",
    response_model=WebhookPublic,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def enable(request: Request, admin: Admin, session: WriteSessionDep, endpoint_id: EndpointId) -> Response:
    """Resume deliveries to an endpoint disabled after failures, from the event where it stopped."""
    row = enable_endpoint(
        session=session,
        endpoint_id=endpoint_id,
        allow_loopback=_loopback(request),
        actor=admin.name,
        actor_key_id=admin.id,
    )
    return json_response(_public(session, row))
