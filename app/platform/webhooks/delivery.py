"""Delivering a webhook event: its signature (Standard Webhooks), the retry schedule, and one HTTP attempt,
within a total deadline, reading at most a few KiB back."""

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from app.core.media import JSON
from app.platform.webhooks.urls import UnsafeUrl, check_form, check_url

if TYPE_CHECKING:
    import httpx

# What is read of an answer before hanging up: enough for a short "ok" (so that the connection can be
# kept), never a body a receiver, by mistake or on purpose, makes endless.
ANSWER_LIMIT = 4 * 1024
FIRST_RETRY_SECONDS = 5.0
LONGEST_RETRY_SECONDS = 3600.0


class SigningKeys(Protocol):
    """What signs a delivery: an endpoint's secret, and its previous one during a rotation."""

    @property
    def secret(self) -> str: ...
    @property
    def previous_secret(self) -> str | None: ...
    @property
    def previous_secret_until(self) -> datetime | None: ...


def signature(endpoint: SigningKeys, message_id: str, at: datetime, body: str) -> str:
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


@dataclass(frozen=True)
class Job:
    """An endpoint's oldest pending event, read in a short transaction that is over before the call."""

    endpoint_id: uuid.UUID
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    delivery_id: int
    message_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """The HTTP status, if one came, and what went wrong: None when the event was acknowledged (2xx)."""

    status: int | None
    error: str | None


class Courier:
    """A worker's HTTP client for deliveries (`egress`), made with its first one: a worker with nothing to
    deliver never loads httpx and what it brings."""

    def __init__(self, timeout: float, *, allow_loopback: bool) -> None:
        self.timeout = timeout
        self.allow_loopback = allow_loopback
        self._client: httpx.AsyncClient | None = None

    def client(self) -> "httpx.AsyncClient":
        if self._client is None:
            from app.platform.webhooks import egress

            self._client = egress.client(timeout=self.timeout, allow_loopback=self.allow_loopback)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


async def attempt(job: Job, *, client: "httpx.AsyncClient", deadline: float, allow_loopback: bool) -> Outcome:
    """POST one event through a client made by `egress`, which resolves the host once and connects only
    to the addresses it checked. The whole attempt (resolving, connecting, sending, the status and headers)
    has `deadline` seconds, however slowly a receiver trickles bytes: httpx's own timeouts apply to each
    read. A 2xx within it acknowledges the event; then at most ANSWER_LIMIT bytes of the body are read,
    in what is left of the deadline, and the connection is closed.

    Errors that are the receiver's (refused URL, network, timeout, status) are the outcome; anything
    else raises, for the worker to count against this endpoint."""
    import httpx  # already loaded with the client

    status: int | None = None
    try:
        async with asyncio.timeout(deadline):
            scheme, _, _ = check_form(job.url, allow_loopback=allow_loopback)  # the addresses: when connecting
            if scheme == "http":  # development only: plain http goes to this machine and nowhere else
                await asyncio.to_thread(check_url, job.url, allow_loopback=allow_loopback)
            now = datetime.now(UTC)
            body = orjson.dumps(job.payload).decode()
            headers = {
                "content-type": JSON,
                "webhook-id": job.message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signature(job, job.message_id, now, body),
                "user-agent": "backpain-webhooks",
            }
            async with client.stream("POST", job.url, content=body, headers=headers) as response:
                status = response.status_code
                read = 0
                async for chunk in response.aiter_raw():  # raw: no decompression to blow up
                    read += len(chunk)
                    if read >= ANSWER_LIMIT:
                        break
    except UnsafeUrl as unsafe:
        return Outcome(None, f"refused: {unsafe}")
    except TimeoutError:
        if status is None:
            return Outcome(None, f"no answer within {deadline:g} s")
    except httpx.HTTPError as failed:
        if status is None:
            return Outcome(None, f"{type(failed).__name__}: {failed}")
    assert status is not None
    if 200 <= status < 300:
        return Outcome(status, None)
    return Outcome(status, f"HTTP {status}")
