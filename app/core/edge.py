"""The outermost ASGI layer: a request passes through a list of stages, each of which may answer it,
before the framework does. `main.create_app` lists the stages in order; this module runs them.

A stage is a plain function of the `Exchange`: it returns None to pass the request on at once, or an
awaitable that does its asynchronous part and gives the status it sent (None: pass it on after all).
Most requests pass most stages, and a plain call is what that costs. The `Exchange` holds what the one
scan of the request's headers found, so no stage reads them again.
"""

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.representation import Headers

# The request headers the edge reads, each to the Exchange field it fills (one dict lookup a header).
_READ = {
    b"if-none-match": "if_none_match",
    b"accept-encoding": "accept_encoding",
    b"content-length": "length",
    b"x-request-id": "request_id",
    b"accept": "accept",
    b"access-control-request-method": "preflight",
    b"authorization": "authorization",
    b"x-api-key": "api_key",
    b"origin": "origin",
    b"x-forwarded-for": "forwarded",
    b"x-forwarded-proto": "forwarded",
}


class Exchange:
    """One request on its way through the stages: the ASGI triple, what its headers said, and the headers
    every response to it carries (`stamps`)."""

    __slots__ = (
        "accept",
        "accept_encoding",
        "api_key",
        "authorization",
        "body",
        "forwarded",
        "if_none_match",
        "length",
        "origin",
        "preflight",
        "receive",
        "request_id",
        "scope",
        "send",
        "stamps",
    )
    # Request headers, as sent (None when absent).
    if_none_match: bytes | None
    accept_encoding: bytes | None
    length: bytes | None  # Content-Length
    request_id: bytes | None  # X-Request-ID: the client's until the request-id stage checks it
    accept: bytes | None
    preflight: bytes | None  # Access-Control-Request-Method
    authorization: bytes | None
    api_key: bytes | None  # X-API-Key
    origin: bytes | None
    forwarded: bytes | None  # X-Forwarded-For or X-Forwarded-Proto
    stamps: Headers  # added to every response
    body: bytes | None  # the request body, once a stage has read it

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.if_none_match = self.accept_encoding = self.length = self.request_id = None
        self.accept = self.preflight = self.authorization = self.api_key = self.origin = self.forwarded = None
        read = _READ
        for name, value in scope["headers"]:  # the one scan of the headers
            field = read.get(name)
            if field is not None:
                setattr(self, field, value)
        self.stamps = []
        self.body = None

    @property
    def key(self) -> bytes | None:
        """The API key sent, as `Authorization: Bearer` or `X-API-Key` (the latter wins if both are sent)."""
        if self.api_key is not None:
            return self.api_key.strip()
        if self.authorization is not None:
            scheme, _, credentials = self.authorization.partition(b" ")
            if scheme.lower() == b"bearer":
                return credentials.strip()
        return None

    async def reply(self, status: int, headers: Headers, body: bytes) -> int:
        """Send a prepared response, with the stamps; returns its status."""
        await self.send({"type": "http.response.start", "status": status, "headers": [*headers, *self.stamps]})
        await self.send({"type": "http.response.body", "body": body})
        return status

    async def forward(self, app: ASGIApp) -> int:
        """Let an ASGI app answer, with the stamps added to its response; returns the status it sent."""
        sent = 500
        send, stamps = self.send, self.stamps

        async def send_stamped(message: Message) -> None:
            nonlocal sent
            if message["type"] == "http.response.start":
                sent = message["status"]
                message["headers"] = [*message.get("headers", ()), *stamps]
            await send(message)

        await app(self.scope, self.receive, send_stamped)
        return sent


Stage = Callable[[Exchange], Awaitable[int | None] | None]


class Observer(Protocol):
    """Told of every answered request: its scope, status and seconds taken (for metrics)."""

    def __call__(self, scope: Scope, status: int, seconds: float) -> None: ...


class Edge:
    """Runs each HTTP request through `stages` in order until one answers it; the wrapped `app` (the
    framework, which keeps the documented contract) answers the rest. `observe` hears how each ended.
    Other ASGI messages (lifespan) go straight to the app."""

    def __init__(self, app: ASGIApp, stages: Sequence[Stage], observe: Observer | None = None) -> None:
        self.app = app
        self.stages = tuple(stages)
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.observe is None:
            await self.answer(Exchange(scope, receive, send))
            return
        started = time.perf_counter()
        status = 500
        try:
            status = await self.answer(Exchange(scope, receive, send))
        finally:
            # A stage may replace the exchange's scope (HEAD is answered as a GET): report the request's own.
            self.observe(scope, status, time.perf_counter() - started)

    async def answer(self, exchange: Exchange) -> int:
        """The status of the first stage that answers, or of the app's answer."""
        for stage in self.stages:
            answering = stage(exchange)
            if answering is not None and (status := await answering) is not None:
                return status
        return await exchange.forward(self.app)
