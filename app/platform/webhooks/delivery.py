"""One HTTP attempt of a webhook delivery: signed, within a total deadline, reading at most a few KiB back."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from app.platform.webhooks.service import signature
from app.platform.webhooks.urls import UnsafeUrl, check_form, check_url

if TYPE_CHECKING:
    import httpx

# What is read of an answer before hanging up: enough for a short "ok" (so that the connection can be
# kept), never a body a receiver, by mistake or on purpose, makes endless.
ANSWER_LIMIT = 4 * 1024


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
    deliver never loads httpx and what it brings (about 7 MB)."""

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
                "content-type": "application/json",
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
