"""The outermost ASGI layer: request ids and CORS on every response, and a fast path for prepared GETs."""

import re
import secrets
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.http import Representation

FastResponder = Callable[[Scope], Representation | None]

_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

EXPOSED_HEADERS = ("ETag", "Link", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID")
ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = ("Authorization", "X-API-Key", "Content-Type", "If-None-Match", "If-Match", "X-Request-ID")
# One policy for every response: any origin, no credentials. The answer is then the same for
# every origin, so shared caches keep one copy and no Vary: Origin is needed.
CORS_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
]
PREFLIGHT_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", ", ".join(ALLOWED_METHODS).encode()),
    (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
    (b"access-control-max-age", b"86400"),
    (b"content-length", b"0"),
]


def new_request_id() -> bytes:
    """A fresh random request id."""
    return secrets.token_hex(16).encode()


class Edge:
    """Stamps X-Request-ID and CORS on every response, answers CORS preflights, and serves
    prepared GETs ahead of the framework.

    `fast` answers a GET from memory or returns None; whatever it does not answer, and every
    other request, goes to the wrapped application, which stays the documented contract.
    """

    def __init__(self, app: ASGIApp, fast: FastResponder | None = None) -> None:
        self.app = app
        self.fast = fast

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = if_none_match = accept_encoding = preflight = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"accept-encoding":
                accept_encoding = value
            elif name == b"access-control-request-method":
                preflight = value
        if request_id is None or not _SANE_REQUEST_ID.fullmatch(request_id):
            request_id = new_request_id()
        stamp = (b"x-request-id", request_id)
        method = scope["method"]

        if method == "GET" and self.fast is not None:
            prepared = self.fast(scope)
            if prepared is not None:
                status, headers, body = prepared.select(if_none_match, accept_encoding)
                await _send_all(send, status, [*headers, *CORS_HEADERS, stamp], body)
                return
        elif method == "OPTIONS" and preflight is not None:
            await _send_all(send, 204, [*PREFLIGHT_HEADERS, stamp], b"")
            return

        async def send_stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *CORS_HEADERS, stamp]
            await send(message)

        await self.app(scope, receive, send_stamped)


async def _send_all(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
