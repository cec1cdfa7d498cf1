"""The outbox: events written with each change, and the short transactions that find due endpoints, hold
them, and record attempts."""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.core.db import _WRITES
from app.platform.webhooks.delivery import Job, Outcome, retry_delay
from app.platform.webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("app.webhooks")

_ERROR_MAX = 500


def enqueue(session: Session, event: str, data: dict[str, Any], *, at: datetime) -> None:
    """Put an event in the outbox of every enabled endpoint that wants it, in the caller's transaction."""
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


def lease_for(deadline: float) -> timedelta:
    """How long one hold of an endpoint lasts: renewed before each attempt, and twice the attempt's
    deadline plus a minute, so that it outlasts the attempt and the writes around it."""
    return timedelta(seconds=2 * deadline + 60)


@contextmanager
def _writing(engine: Engine) -> Iterator[Session]:
    """A session whose transaction writes (on SQLite it takes the write lock at its start)."""
    with Session(engine) as session:
        session.connection(execution_options={_WRITES: True})
        yield session


def due_endpoints(engine: Engine) -> list[uuid.UUID]:
    """Enabled endpoints, held by no worker, with an event due."""
    now = datetime.now(UTC)
    free = col(WebhookEndpoint.lease_until).is_(None) | (col(WebhookEndpoint.lease_until) < now)
    with Session(engine) as session:
        return list(
            session.exec(
                select(WebhookDelivery.endpoint_id)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
                .where(
                    col(WebhookDelivery.delivered_at).is_(None),
                    col(WebhookDelivery.next_attempt_at) <= now,
                    col(WebhookEndpoint.disabled_at).is_(None),
                    free,
                )
                .distinct()
                .order_by(col(WebhookDelivery.endpoint_id))
            ).all()
        )


def hold(
    engine: Engine, endpoint_id: uuid.UUID, *, held: datetime | None, until: datetime
) -> Job | Literal[False] | None:
    """Take an endpoint that no worker holds (`held` None), or renew this worker's hold (`held`, the
    expiry it set), until `until`, and read its oldest pending event if that is due: the job, None when
    nothing is due, False when another worker holds the endpoint.

    An expiry is its hold's token: a later hold, by any worker, starts after it, so never repeats it."""
    with _writing(engine) as session:
        now = datetime.now(UTC)
        lease_until = col(WebhookEndpoint.lease_until)
        mine = (lease_until.is_(None) | (lease_until < now)) if held is None else (lease_until == held)
        taken = session.execute(
            update(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id, mine).values(lease_until=until)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            return False
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        delivery = session.exec(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.delivered_at).is_(None))
            .order_by(col(WebhookDelivery.id))
            .limit(1)
        ).first()
        job = None
        if (
            endpoint is not None
            and endpoint.disabled_at is None
            and delivery is not None
            and delivery.id is not None
            and delivery.next_attempt_at.replace(tzinfo=UTC) <= now
        ):
            job = Job(
                endpoint_id=endpoint.id,
                url=endpoint.url,
                secret=endpoint.secret,
                previous_secret=endpoint.previous_secret,
                previous_secret_until=endpoint.previous_secret_until,
                delivery_id=delivery.id,
                message_id=delivery.message_id,
                payload=delivery.payload,
                attempts=delivery.attempts,
            )
        session.commit()
        return job


def record(
    engine: Engine, job: Job, outcome: Outcome, *, held: datetime, max_failures: int, first_retry: float
) -> bool:
    """Record an attempt, only if this worker still holds the endpoint (its lease is `held`); False when
    it does not: the worker that took it over sends the event again and records that."""
    disabled = 0
    with _writing(engine) as session:
        now = datetime.now(UTC)
        failures = 0 if outcome.error is None else col(WebhookEndpoint.failures) + 1
        mine = session.execute(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == job.endpoint_id, col(WebhookEndpoint.lease_until) == held)
            .values(failures=failures)
        )
        delivery = session.get(WebhookDelivery, job.delivery_id)
        if not mine.rowcount or delivery is None:  # type: ignore[attr-defined]
            return False
        delivery.attempts += 1
        delivery.last_status = outcome.status
        if outcome.error is None:
            delivery.delivered_at, delivery.last_error = now, None
        else:
            delivery.last_error = outcome.error[:_ERROR_MAX]
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, first=first_retry)
            endpoint = session.get(WebhookEndpoint, job.endpoint_id)
            assert endpoint is not None  # held by this worker a moment ago
            if endpoint.failures >= max_failures:
                endpoint.disabled_at = now
                endpoint.disabled_reason = f"{endpoint.failures} attempts in a row failed; the last: {outcome.error}"[
                    :_ERROR_MAX
                ]
                session.add(endpoint)
                disabled = endpoint.failures
        session.add(delivery)
        session.commit()
    if disabled:
        logger.warning("webhook endpoint %s disabled after %s failures", job.endpoint_id, disabled)
    return True


def release(engine: Engine, endpoint_id: uuid.UUID, *, held: list[datetime]) -> None:
    """Let go of an endpoint held by one of these leases (the one known, and one being written when the
    worker was stopped), unless another worker has taken it since."""
    with _writing(engine) as session:
        session.execute(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint_id, col(WebhookEndpoint.lease_until).in_(held))
            .values(lease_until=None)
        )
        session.commit()
