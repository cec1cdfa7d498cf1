"""The webhook delivery worker: due endpoints served concurrently, each in order, and the loop each process runs."""

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings
from app.core.outage import Outage
from app.platform.webhooks.delivery import FIRST_RETRY_SECONDS, Courier, Outcome, attempt
from app.platform.webhooks.outbox import due_endpoints, hold, lease_for, record, release

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("app.webhooks")

CONCURRENCY = 8


def kind(exc: BaseException) -> str:
    """An exception's type, by a name that can be looked up; never its message, which may quote a payload."""
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True)
class Deliveries:
    """What delivering needs: the database, the HTTP client (asked for only when an event is due), the
    rules, and the cap on endpoints served at once."""

    engine: Engine
    client: Callable[[], "httpx.AsyncClient"]
    deadline: float
    allow_loopback: bool
    max_failures: int
    first_retry: float = FIRST_RETRY_SECONDS
    limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CONCURRENCY))


async def deliver_endpoint(work: Deliveries, endpoint_id: uuid.UUID) -> int:
    """Send an endpoint's due events, oldest first, until one fails or none is due, while this worker holds
    the endpoint; returns how many were acknowledged. An error of an attempt that is neither the
    receiver's nor the database's counts as that endpoint's failed attempt; the database's errors raise."""
    async with work.limit:
        lease = lease_for(work.deadline)
        held: datetime | None = None  # the lease this worker holds
        asked: datetime | None = None  # a lease being written, in case the task is stopped meanwhile
        delivered = 0
        try:
            while True:
                asked = datetime.now(UTC) + lease
                writing = asyncio.ensure_future(
                    asyncio.to_thread(hold, work.engine, endpoint_id, held=held, until=asked)
                )
                job = await asyncio.shield(writing)
                if job is False:  # another worker holds it, or took it over
                    held = asked = None
                    return delivered
                held, asked = asked, None
                if job is None:
                    return delivered
                try:
                    outcome = await attempt(
                        job, client=work.client(), deadline=work.deadline, allow_loopback=work.allow_loopback
                    )
                except Exception as exc:  # a bad row or a bug: this delivery fails, and no other
                    logger.warning(
                        "webhook delivery %s to endpoint %s failed: %s", job.message_id, endpoint_id, kind(exc)
                    )
                    outcome = Outcome(None, f"unexpected error: {kind(exc)}")
                kept = await asyncio.to_thread(
                    record,
                    work.engine,
                    job,
                    outcome,
                    held=held,
                    max_failures=work.max_failures,
                    first_retry=work.first_retry,
                )
                if not kept:
                    logger.warning(
                        "webhook endpoint %s was taken over by another worker during an attempt", endpoint_id
                    )
                    held = None
                    return delivered
                if outcome.error is not None:
                    return delivered
                delivered += 1
        finally:
            if asked is not None:  # stopped while the lease was being written: let it land, then release it
                with suppress(Exception):
                    await asyncio.wait([writing])
            leases = [lease for lease in (held, asked) if lease is not None]
            if leases:
                with suppress(SQLAlchemyError):  # the database is down: the lease runs out on its own
                    await asyncio.to_thread(release, work.engine, endpoint_id, held=leases)


async def _guarded(work: Deliveries, endpoint_id: uuid.UUID) -> int:
    """deliver_endpoint, with an unexpected error logged as that endpoint's and not raised; the database's raise."""
    try:
        return await deliver_endpoint(work, endpoint_id)
    except SQLAlchemyError:
        raise
    except Exception as exc:
        logger.error("webhook delivery to endpoint %s failed: %s", endpoint_id, kind(exc))
        return 0


async def deliver_due(
    engine: Engine,
    *,
    client: Callable[[], "httpx.AsyncClient"],
    deadline: float,
    allow_loopback: bool,
    max_failures: int,
    first_retry: float = FIRST_RETRY_SECONDS,
) -> int:
    """One pass over what is due, every endpoint concurrently (at most eight at once), each until its oldest
    event fails or none is left; returns how many were delivered, or raises the database's error."""
    work = Deliveries(engine, client, deadline, allow_loopback, max_failures, first_retry)
    due = await asyncio.to_thread(due_endpoints, engine)
    results = await asyncio.gather(*(_guarded(work, endpoint_id) for endpoint_id in due), return_exceptions=True)
    delivered = 0
    for result in results:
        if isinstance(result, BaseException):
            raise result
        delivered += result
    return delivered


async def run_deliveries(engine: Engine, settings: Settings) -> None:
    """A process's delivery loop: every WEBHOOK_POLL_SECONDS, a task for each due endpoint that this process
    is not already serving, so that a slow endpoint holds up no other endpoint and no later poll."""
    courier = Courier(settings.webhook_timeout_seconds, allow_loopback=settings.webhooks_allow_loopback)
    work = Deliveries(
        engine,
        courier.client,
        settings.webhook_timeout_seconds,
        settings.webhooks_allow_loopback,
        settings.webhook_max_failures,
    )
    serving: dict[uuid.UUID, asyncio.Task[int]] = {}
    outage = Outage(logger, began="webhook delivery paused: %s", ended="webhook delivery resumed")

    def finished(endpoint_id: uuid.UUID, task: "asyncio.Task[int]") -> None:
        serving.pop(endpoint_id, None)
        if not task.cancelled() and isinstance(error := task.exception(), SQLAlchemyError):
            outage.failed(error)

    try:
        while True:
            await asyncio.sleep(settings.webhook_poll_seconds)
            try:
                due = await asyncio.to_thread(due_endpoints, engine)
            except SQLAlchemyError as exc:  # a database outage: the outbox keeps the events until it is back
                outage.failed(exc)
                continue
            except Exception as exc:
                logger.error("webhook delivery: finding what is due failed: %s", kind(exc))
                continue
            outage.answered()
            for endpoint_id in due:
                if endpoint_id not in serving:
                    serving[endpoint_id] = task = asyncio.create_task(_guarded(work, endpoint_id))
                    task.add_done_callback(functools.partial(finished, endpoint_id))
    finally:
        tasks = list(serving.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await courier.aclose()
