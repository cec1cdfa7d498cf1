"""Webhook endpoints: registration, listing, removal, re-enabling, secrets and their rotation, and the backlog."""

import base64
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.core.errors import Conflict, InvalidInput, NotFound
from app.platform.audit import AuditEvent
from app.platform.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.platform.webhooks.urls import UnsafeUrl, check_url

ROTATION_GRACE = timedelta(days=1)


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _refuse_unsafe(url: str, *, allow_loopback: bool) -> None:
    try:
        check_url(url, allow_loopback=allow_loopback)
    except UnsafeUrl as unsafe:
        raise InvalidInput(
            f"This URL cannot receive webhooks: {unsafe}.", errors=[{"loc": ["body", "url"], "msg": str(unsafe)}]
        ) from None


def _audit(session: Session, row: WebhookEndpoint, action: str, actor: str, actor_key_id: uuid.UUID | None) -> None:
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            actor=actor,
            actor_key_id=actor_key_id,
            action=f"webhook.{action}",
            type="webhook",
            slug=str(row.id),
        )
    )


def create_endpoint(
    *,
    session: Session,
    url: str,
    events: list[str],
    description: str,
    allow_loopback: bool,
    max_endpoints: int,
    actor: str,
    actor_key_id: uuid.UUID | None = None,
) -> WebhookEndpoint:
    """Register an endpoint after checking that its URL is public (InvalidInput when it is not) and that
    fewer than `max_endpoints` exist (Conflict when not)."""
    _refuse_unsafe(url, allow_loopback=allow_loopback)
    registered = session.exec(select(func.count()).select_from(WebhookEndpoint)).one()
    if registered >= max_endpoints:
        raise Conflict(
            f"{registered} webhook endpoints are registered, the most this service keeps"
            " (WEBHOOK_MAX_ENDPOINTS): delete one first."
        )
    row = WebhookEndpoint(
        id=uuid.uuid4(),
        url=url,
        events=events,
        description=description,
        secret=_secret(),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    _audit(session, row, "create", actor, actor_key_id)
    session.commit()
    session.refresh(row)
    return row


def get_endpoint(*, session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """The endpoint with this id; NotFound when there is none."""
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound("No webhook endpoint has that id.")
    return row


def list_endpoints(*, session: Session, after: uuid.UUID | None, limit: int) -> list[WebhookEndpoint]:
    """Endpoints by id after a position; one extra tells whether more follow."""
    query = select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))
    if after is not None:
        query = query.where(col(WebhookEndpoint.id) > after)
    return list(session.exec(query.limit(limit + 1)).all())


def delete_endpoint(
    *, session: Session, endpoint_id: uuid.UUID, actor: str, actor_key_id: uuid.UUID | None = None
) -> None:
    """Remove an endpoint and what was waiting for it."""
    row = get_endpoint(session=session, endpoint_id=endpoint_id)
    session.execute(sql_delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == row.id))
    _audit(session, row, "delete", actor, actor_key_id)
    session.delete(row)
    session.commit()


def rotate_secret(
    *,
    session: Session,
    endpoint_id: uuid.UUID,
    end_previous: bool = False,
    actor: str,
    actor_key_id: uuid.UUID | None = None,
) -> WebhookEndpoint:
    """A new secret. The old one signs too for a day, so that receivers switch without a gap, unless
    `end_previous` (a leaked secret): then it stops at once."""
    row = get_endpoint(session=session, endpoint_id=endpoint_id)
    if end_previous:
        row.secret, row.previous_secret, row.previous_secret_until = _secret(), None, None
    else:
        row.previous_secret, row.secret = row.secret, _secret()
        row.previous_secret_until = datetime.now(UTC) + ROTATION_GRACE
    session.add(row)
    _audit(session, row, "rotate-secret-now" if end_previous else "rotate-secret", actor, actor_key_id)
    session.commit()
    session.refresh(row)
    return row


def enable_endpoint(
    *,
    session: Session,
    endpoint_id: uuid.UUID,
    allow_loopback: bool,
    actor: str,
    actor_key_id: uuid.UUID | None = None,
) -> WebhookEndpoint:
    """Deliver to a disabled endpoint again, from the event where it stopped."""
    row = get_endpoint(session=session, endpoint_id=endpoint_id)
    _refuse_unsafe(row.url, allow_loopback=allow_loopback)
    _audit(session, row, "enable", actor, actor_key_id)
    row.disabled_at, row.disabled_reason, row.failures = None, None, 0
    now = datetime.now(UTC)
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.endpoint_id) == row.id, col(WebhookDelivery.delivered_at).is_(None))
        .values(next_attempt_at=now)
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def backlog(*, session: Session, endpoint_id: uuid.UUID) -> tuple[int, str | None]:
    """How many events wait for an endpoint, and the last error of the oldest."""
    waiting = (col(WebhookDelivery.endpoint_id) == endpoint_id) & col(WebhookDelivery.delivered_at).is_(None)
    count = session.exec(select(func.count()).select_from(WebhookDelivery).where(waiting)).one()
    oldest = session.exec(
        select(WebhookDelivery.last_error).where(waiting).order_by(col(WebhookDelivery.id)).limit(1)
    ).first()
    return int(count), oldest
