"""The outermost ASGI layer: request ids and CORS on every response, and a fast path for prepared GETs."""

import itertools
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, cast

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.core.errors import InvalidInput, error_response, problem_response
from app.core.http import Headers, Representation, accepts
from app.core.text import refused_parameters

FastResponder = Callable[[Scope], Representation | None]
BodyResponder = Callable[[Scope, bytes], tuple[int, Headers, bytes] | None]


# Checks a request before anything answers it, given the API key and Origin it sent: headers for
# the response, and a refusal if any.
class GuardCheck(Protocol):
    """Admits or refuses each request before anything answers it."""

    def admit(self, scope: Scope, key: bytes | None, origin: bytes | None) -> Headers | None:
        """The common verdict, at once: the headers of an admitted request; None to ask `__call__`."""

    async def __call__(self, scope: Scope, key: bytes | None, origin: bytes | None) -> tuple[Headers, Response | None]:
        """Headers to add, and the refusal to send instead of answering, if any."""


# Told of every answered request: its scope, status and seconds taken (for metrics).
Observer = Callable[[Scope, int, float], None]

MAX_BODY_BYTES = 64 * 1024
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})

# The request headers the edge reads, each to its kind; the rest are passed over with one lookup.
(
    _IF_NONE_MATCH,
    _ACCEPT_ENCODING,
    _CONTENT_LENGTH,
    _REQUEST_ID,
    _ACCEPT,
    _PREFLIGHT,
    _AUTHORIZATION,
    _API_KEY,
    _ORIGIN,
    _FORWARDED,
) = range(10)
_READ = {
    b"if-none-match": _IF_NONE_MATCH,
    b"accept-encoding": _ACCEPT_ENCODING,
    b"content-length": _CONTENT_LENGTH,
    b"x-request-id": _REQUEST_ID,
    b"accept": _ACCEPT,
    b"access-control-request-method": _PREFLIGHT,
    b"authorization": _AUTHORIZATION,
    b"x-api-key": _API_KEY,
    b"origin": _ORIGIN,
    b"x-forwarded-for": _FORWARDED,
    b"x-forwarded-proto": _FORWARDED,
}

_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

# The fast path holds the default representations; a request for this one goes to the routes.
NEGOTIATED = "application/ld+json"

EXPOSED_HEADERS = ("ETag", "Link", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID")
ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = ("Authorization", "X-API-Key", "Content-Type", "If-None-Match", "If-Match", "X-Request-ID")
# One policy for every response: any origin, no credentials. The answer is then the same for
# every origin, so shared caches keep one copy and no Vary: Origin is needed.
STAMPED_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
    # Every body is what its Content-Type says; browsers must not guess another.
    (b"x-content-type-options", b"nosniff"),
]
PREFLIGHT_HEADERS: list[tuple[bytes, bytes]] = [
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


def new_request_id() -> bytes:
    """A fresh request id, 32 hex digits: a random prefix per process, then a counter."""
    prefix, numbers = _request_ids
    return b"%s%016x" % (prefix, next(numbers))


class Edge:
    """Stamps X-Request-ID and CORS on every response, answers CORS preflights, and serves
    prepared GETs ahead of the framework.

    `guard` sees every request but CORS preflights first, and may refuse it; `fast` answers a
    GET from memory or returns None; `posts` maps paths to responders that answer a POST body or
    return None. Whatever they do not answer goes to the wrapped application, which stays the
    documented contract. A query parameter that holds a control character gets a 422, whatever
    answers the path; request bodies over 64 KiB get a 413. `observe` hears how each ended.
    """

    def __init__(
        self,
        app: ASGIApp,
        fast: FastResponder | None = None,
        posts: Mapping[str, BodyResponder] | None = None,
        guard: GuardCheck | None = None,
        observe: Observer | None = None,
        trusted_proxies: list[str] | None = None,
    ) -> None:
        self.app = app
        self.fast = fast
        self.posts = dict(posts or {})
        self.guard = guard
        self.observe = observe
        # uvicorn's own handling of X-Forwarded-*, run only for requests that carry them: it sets
        # scope["client"] and scope["scheme"] when the connecting peer is a trusted proxy.
        self.proxy_headers: Any = (
            ProxyHeadersMiddleware(cast(Any, _nothing), trusted_proxies) if trusted_proxies else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.observe is None:
            await self.answer(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        try:
            status = await self.answer(scope, receive, send)
        finally:
            self.observe(scope, status, time.perf_counter() - started)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> int:
        """Answer one HTTP request; returns the status sent."""
        request_id = if_none_match = accept_encoding = preflight = length = key = origin = None
        forwarded = negotiated = False
        for name, value in scope["headers"]:
            kind = _READ.get(name)
            if kind is None:  # most headers: one lookup
                continue
            if kind == _IF_NONE_MATCH:
                if_none_match = value
            elif kind == _ACCEPT_ENCODING:
                accept_encoding = value
            elif kind == _CONTENT_LENGTH:
                length = value
            elif kind == _REQUEST_ID:
                request_id = value
            elif kind == _ACCEPT:
                negotiated = accepts(value, NEGOTIATED)
            elif kind == _PREFLIGHT:
                preflight = value
            elif kind == _AUTHORIZATION:
                scheme, _, credentials = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    key = credentials.strip()
            elif kind == _API_KEY:
                key = value.strip()
            elif kind == _ORIGIN:
                origin = value
            else:
                forwarded = True
        if forwarded and self.proxy_headers is not None:
            await self.proxy_headers(scope, receive, send)
        if request_id is None or not _SANE_REQUEST_ID.fullmatch(request_id):
            request_id = new_request_id()
        method = scope["method"]
        if method == "HEAD":  # answered as the GET, by whatever answers that, without the body
            scope, send, method = {**scope, "method": "GET"}, _headless(send), "GET"
        if method == "OPTIONS" and preflight is not None:
            await _send_all(send, 204, [*PREFLIGHT_HEADERS, (b"x-request-id", request_id)], b"")
            return 204
        stamps: Headers = [*STAMPED_HEADERS, (b"x-request-id", request_id)]
        guard = self.guard
        if guard is not None:
            admitted = guard.admit(scope, key, origin)
            if admitted is not None:
                stamps += admitted
            else:
                extra, refusal = await guard(scope, key, origin)
                stamps += extra
                if refusal is not None:
                    return await _stamped(refusal, stamps, scope, receive, send)
        query_string: bytes = scope["query_string"]
        if query_string and (refused := refused_parameters(query_string)):
            return await _stamped(_holds_controls(refused), stamps, scope, receive, send)

        if method == "GET" and self.fast is not None and not negotiated:
            prepared = self.fast(scope)
            if prepared is not None:
                status, headers, body = prepared.select(if_none_match, accept_encoding)
                await _send_all(send, status, [*headers, *stamps], body)
                return status

        if method not in _BODYLESS:
            received = await _read_body(receive, length)
            if received is None:
                too_large = problem_response(413, "The request body is over 64 KiB.", code="content-too-large")
                return await _stamped(too_large, stamps, scope, receive, send)
            responder = self.posts.get(scope["path"]) if method == "POST" else None
            answered = responder(scope, received) if responder is not None else None
            if answered is not None:
                status, headers, content = answered
                await _send_all(send, status, [*headers, *stamps], content)
                return status
            receive = _replay(received, receive)
        return await _stamped(self.app, stamps, scope, receive, send)


async def _stamped(app: ASGIApp, stamps: Headers, scope: Scope, receive: Receive, send: Send) -> int:
    """Run an ASGI app with the edge's headers added to its response; returns the status it sent. Made
    only off the fast path, which sends its prepared bytes itself."""
    sent = 500

    async def send_stamped(message: Message) -> None:
        nonlocal sent
        if message["type"] == "http.response.start":
            sent = message["status"]
            message["headers"] = [*message.get("headers", ()), *stamps]
        await send(message)

    await app(scope, receive, send_stamped)
    return sent


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
    while True:
        if message["type"] != "http.request":
            break
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


async def _send_all(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
