"""Webhook endpoints, the outbox written with each change, and the worker that delivers it: signed as
Standard Webhooks, at least once, in order per endpoint, retried with exponential back-off and jitter."""

import base64
import logging
import random
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, func, inspect, update
from sqlalchemy import delete as sql_delete
from sqlmodel import Session, col, select

from app.core.errors import InvalidInput, NotFound
from app.platform.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.platform.webhooks.urls import UnsafeUrl, check_url

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("app.webhooks")

ROTATION_GRACE = timedelta(days=1)
LEASE = timedelta(seconds=60)
FIRST_RETRY_SECONDS = 5.0
LONGEST_RETRY_SECONDS = 3600.0
_ERROR_MAX = 500


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _refuse_unsafe(url: str, *, allow_loopback: bool) -> None:
    try:
        check_url(url, allow_loopback=allow_loopback)
    except UnsafeUrl as unsafe:
        raise InvalidInput(
            f"This URL cannot receive webhooks: {unsafe}.", errors=[{"loc": ["body", "url"], "msg": str(unsafe)}]
        ) from None


def create_endpoint(
    *, session: Session, url: str, events: list[str], description: str, allow_loopback: bool
) -> WebhookEndpoint:
    """Register an endpoint after checking that its URL is public; InvalidInput when it is not."""
    _refuse_unsafe(url, allow_loopback=allow_loopback)
    row = WebhookEndpoint(
        id=uuid.uuid4(),
        url=url,
        events=events,
        description=description,
        secret=_secret(),
        created_at=datetime.now(UTC),
    )
    session.add(row)
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


def delete_endpoint(*, session: Session, endpoint_id: uuid.UUID) -> None:
    """Remove an endpoint and what was waiting for it."""
    row = get_endpoint(session=session, endpoint_id=endpoint_id)
    session.execute(sql_delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == row.id))
    session.delete(row)
    session.commit()


def rotate_secret(*, session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """A new secret; the old one signs too for a day, so that receivers switch without a gap."""
    row = get_endpoint(session=session, endpoint_id=endpoint_id)
    row.previous_secret, row.secret = row.secret, _secret()
    row.previous_secret_until = datetime.now(UTC) + ROTATION_GRACE
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def enable_endpoint(*, session: Session, endpoint_id: uuid.UUID, allow_loopback: bool) -> WebhookEndpoint:
    """Deliver to a disabled endpoint again, from the event where it stopped."""
    row = get_endpoint(session=session, endpoint_id=endpoint_id)
    _refuse_unsafe(row.url, allow_loopback=allow_loopback)
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


def enqueue(session: Session, event: str, data: dict[str, Any], *, at: datetime) -> None:
    """Put an event in the outbox of every enabled endpoint that wants it, in the caller's transaction.

    Migrations older than the webhook tables publish content too; they have no one to tell.
    """
    if not inspect(session.connection()).has_table(WebhookEndpoint.__tablename__):
        return
    endpoints = session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.disabled_at).is_(None))).all()
    message_id = f"msg_{uuid.uuid4().hex}"
    payload = {"type": event, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    for endpoint in endpoints:
        if event in endpoint.events:
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    message_id=message_id,
                    type=event,
                    payload=payload,
                    created_at=at,
                    next_attempt_at=at,
                )
            )


def signature(endpoint: WebhookEndpoint, message_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: by the current secret, and by the previous one during a rotation."""
    keys = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until.replace(tzinfo=UTC) > at:
        keys.append(endpoint.previous_secret)
    from standardwebhooks.webhooks import Webhook  # loaded with the first delivery

    return " ".join(Webhook(key).sign(message_id, at, body) for key in keys)


def retry_delay(attempts: int, *, first: float = FIRST_RETRY_SECONDS) -> timedelta:
    """Exponential back-off with jitter: about first·2ⁿ⁻¹ seconds (at most an hour), less up to a half."""
    ceiling = min(LONGEST_RETRY_SECONDS, first * 2 ** (attempts - 1))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


def _claim(session: Session, endpoint_id: uuid.UUID, now: datetime) -> bool:
    """Hold an endpoint for this worker, so that one worker at a time delivers its events, in order."""
    free = col(WebhookEndpoint.lease_until).is_(None) | (col(WebhookEndpoint.lease_until) < now)
    claimed = session.execute(
        update(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id, free).values(lease_until=now + LEASE)
    )
    session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


class Courier:
    """A worker's HTTP client for deliveries, made with its first one: a worker with nothing to deliver
    never loads httpx and what it brings (about 7 MB)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def client(self) -> "httpx.Client":
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def deliver_due(
    engine: Engine,
    *,
    client: Callable[[], "httpx.Client"],
    allow_loopback: bool,
    max_failures: int,
    first_retry: float = FIRST_RETRY_SECONDS,
) -> int:
    """Deliver what is due, endpoint by endpoint, oldest event first; an endpoint whose oldest event
    fails waits for its retry, so that events arrive in order. `client` is asked for the HTTP client
    only when something is due. Returns how many were delivered."""
    delivered = 0
    with Session(engine) as session:
        now = datetime.now(UTC)
        due = session.exec(
            select(WebhookDelivery.endpoint_id)
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
            .where(
                col(WebhookDelivery.delivered_at).is_(None),
                col(WebhookDelivery.next_attempt_at) <= now,
                col(WebhookEndpoint.disabled_at).is_(None),
            )
            .distinct()
        ).all()
        for endpoint_id in due:
            if not _claim(session, endpoint_id, now):
                continue
            try:
                delivered += _deliver_to(session, endpoint_id, client(), allow_loopback, max_failures, first_retry)
            finally:
                session.execute(
                    update(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id).values(lease_until=None)
                )
                session.commit()
    return delivered


def _deliver_to(
    session: Session,
    endpoint_id: uuid.UUID,
    client: "httpx.Client",
    allow_loopback: bool,
    max_failures: int,
    first_retry: float,
) -> int:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    delivered = 0
    while endpoint is not None and endpoint.disabled_at is None:
        delivery = session.exec(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.delivered_at).is_(None))
            .order_by(col(WebhookDelivery.id))
            .limit(1)
        ).first()
        now = datetime.now(UTC)
        if delivery is None or delivery.next_attempt_at.replace(tzinfo=UTC) > now:
            return delivered
        status, error = _send(endpoint, delivery, client, allow_loopback, now)
        delivery.attempts += 1
        delivery.last_status = status
        if error is None:
            delivery.delivered_at, delivery.last_error = now, None
            endpoint.failures = 0
            delivered += 1
        else:
            delivery.last_error = error[:_ERROR_MAX]
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, first=first_retry)
            endpoint.failures += 1
            if endpoint.failures >= max_failures:
                endpoint.disabled_at = now
                endpoint.disabled_reason = f"{endpoint.failures} attempts in a row failed; the last: {error}"[
                    :_ERROR_MAX
                ]
                logger.warning("webhook endpoint %s disabled after %s failures", endpoint.id, endpoint.failures)
        session.add(delivery)
        session.add(endpoint)
        session.commit()
        if error is not None:
            return delivered
    return delivered


def _send(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, client: "httpx.Client", allow_loopback: bool, now: datetime
) -> tuple[int | None, str | None]:
    """POST one event: its HTTP status, and what went wrong (None when it was acknowledged with a 2xx)."""
    try:
        check_url(endpoint.url, allow_loopback=allow_loopback)
    except UnsafeUrl as unsafe:
        return None, f"refused: {unsafe}"
    body = orjson.dumps(delivery.payload).decode()
    headers = {
        "content-type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(endpoint, delivery.message_id, now, body),
        "user-agent": "backpain-webhooks",
    }
    import httpx  # already loaded with the client

    try:
        response = client.post(endpoint.url, content=body, headers=headers)
    except httpx.HTTPError as failed:
        return None, f"{type(failed).__name__}: {failed}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"
