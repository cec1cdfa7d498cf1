"""The edge's own stages: proxy headers, request ids, HEAD, CORS preflights, refused query strings and
the request body's limit. `main.create_app` puts them in order with the guard and the fast paths."""

import itertools
import os
import re
import secrets
from collections.abc import Awaitable, Iterator
from typing import Any, cast

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.core.edge import Exchange, Stage
from app.core.errors import InvalidInput, error_response, problem_response
from app.core.representation import Headers
from app.core.text import refused_parameters

MAX_BODY_BYTES = 64 * 1024
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

EXPOSED_HEADERS = ("ETag", "Link", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID")
ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = ("Authorization", "X-API-Key", "Content-Type", "If-None-Match", "If-Match", "X-Request-ID")
# One CORS policy for every response: any origin, no credentials. The answer is then the same for
# every origin, so shared caches keep one copy and no Vary: Origin is needed (ADR 0005 says why the
# edge sends these itself rather than Starlette's CORSMiddleware).
STAMPED_HEADERS: Headers = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
    # Every body is what its Content-Type says; browsers must not guess another.
    (b"x-content-type-options", b"nosniff"),
]
PREFLIGHT_HEADERS: Headers = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", ", ".join(ALLOWED_METHODS).encode()),
    (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
    (b"access-control-max-age", b"86400"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-length", b"0"),
]


def _request_id_series() -> tuple[bytes, Iterator[int]]:
    return secrets.token_hex(8).encode(), itertools.count()


_request_ids = _request_id_series()


def _new_series() -> None:
    global _request_ids
    _request_ids = _request_id_series()


os.register_at_fork(after_in_child=_new_series)  # a forked worker starts its own series


def new_request_id() -> bytes:
    """A fresh request id, 32 hex digits: a random prefix per process, then a counter."""
    prefix, numbers = _request_ids
    return b"%s%016x" % (prefix, next(numbers))


def proxy_headers(trusted_proxies: list[str]) -> Stage:
    """X-Forwarded-For and -Proto, believed only from a trusted proxy: uvicorn's own handling sets the
    scope's client and scheme. Run only for the requests that carry them."""
    middleware: Any = ProxyHeadersMiddleware(cast(Any, _nothing), trusted_proxies)

    def stage(exchange: Exchange) -> Awaitable[None] | None:
        if exchange.forwarded is None:
            return None
        changed: Awaitable[None] = middleware(exchange.scope, exchange.receive, exchange.send)
        return changed

    return stage


def request_id(exchange: Exchange) -> None:
    """X-Request-ID on every response: the client's own when it is sane, else a fresh one; with CORS and
    nosniff, the headers every answer carries."""
    sent = exchange.request_id
    if sent is None or not _SANE_REQUEST_ID.fullmatch(sent):
        exchange.request_id = sent = new_request_id()
    exchange.stamps = [*STAMPED_HEADERS, (b"x-request-id", sent)]


def head_as_get(exchange: Exchange) -> None:
    """A HEAD is answered as the GET, by whatever answers that, without the body."""
    if exchange.scope["method"] == "HEAD":
        exchange.scope = {**exchange.scope, "method": "GET"}
        exchange.send = _headless(exchange.send)


def cors_preflight(exchange: Exchange) -> Awaitable[int] | None:
    """A CORS preflight is answered here, for every path: the policy is the same everywhere."""
    if exchange.preflight is None or exchange.scope["method"] != "OPTIONS":
        return None
    exchange.stamps = [*PREFLIGHT_HEADERS, (b"x-request-id", exchange.request_id or b"")]
    return exchange.reply(204, [], b"")


def plain_query(exchange: Exchange) -> Awaitable[int] | None:
    """A query parameter that holds a control character gets a 422, whatever answers the path."""
    query_string: bytes = exchange.scope["query_string"]
    if query_string and (refused := refused_parameters(query_string)):
        return exchange.forward(_holds_controls(refused))
    return None


def body_limit(exchange: Exchange) -> Awaitable[int | None] | None:
    """Reads a request body whole (a 413 when it is over 64 KiB) and keeps it for the stages after this
    one; the app reads it again as if from the client."""
    if exchange.scope["method"] in _BODYLESS:
        return None
    return _take_body(exchange)


async def _take_body(exchange: Exchange) -> int | None:
    received = await _read_body(exchange.receive, exchange.length)
    if received is None:
        too_large = problem_response(413, "The request body is over 64 KiB.", code="content-too-large")
        return await exchange.forward(too_large)
    exchange.body = received
    exchange.receive = _replay(received, exchange.receive)
    return None


def _holds_controls(names: list[str]) -> Response:
    listed = ", ".join(repr(name) for name in names)
    plural = "s" if len(names) > 1 else ""
    msg = "holds a control character (only tab, LF and CR are allowed), DEL, U+FFFE or U+FFFF"
    return error_response(
        InvalidInput(
            f"The query parameter{plural} {listed} may not hold control characters; see errors.",
            errors=[{"loc": ["query", name], "msg": msg} for name in names],
        )
    )


def _headless(send: Send) -> Send:
    """A send that passes the response's start, with its Content-Length, and drops its body."""

    async def send_head(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
        elif not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b""})

    return send_head


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind uvicorn's proxy-header middleware, which is used only for its change to the scope."""


async def _read_body(receive: Receive, length: bytes | None) -> bytes | None:
    """The whole request body, or None when it is over the limit (read no further then)."""
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        return None
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):  # the body in one piece
        body: bytes = message.get("body", b"")
        return body if len(body) <= MAX_BODY_BYTES else None
    chunks: list[bytes] = []
    size = 0
    while message["type"] == "http.request":
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then waits on the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
