"""The HTTP server: uvicorn's httptools protocol with bounds on request headers and body time, answering
what it refuses with problem+json, a request id and CORS, like every other response."""

import asyncio
from http import HTTPStatus

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.errors import problem_body
from app.core.media import PROBLEM_JSON
from app.core.stages import STAMPED_HEADERS, new_request_id

MAX_HEADER_BYTES = 16 * 1024  # the request line and headers together, as h11 allows by default
HEADER_TIMEOUT_SECONDS = 10.0  # to send them, from the connection or the end of the previous response
BODY_TIMEOUT_SECONDS = 15.0  # to send the whole body, from the end of the headers


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Refuses a request whose headers are over MAX_HEADER_BYTES (431), or take longer than
    HEADER_TIMEOUT_SECONDS to arrive (408), or whose body takes longer than BODY_TIMEOUT_SECONDS after
    them (408, or a close once a response has started; the app then hears a disconnect), and closes the
    connection; without these bounds one huge header costs a worker seconds and memory, and half-sent
    requests hold connections open."""

    max_header_bytes = MAX_HEADER_BYTES
    header_timeout = HEADER_TIMEOUT_SECONDS
    body_timeout = BODY_TIMEOUT_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._in_request = False
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._expect_headers()

    def _expect_headers(self) -> None:
        self._header_bytes = 0  # as received, until the headers are complete
        self._too_large = False
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _stop_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def data_received(self, data: bytes) -> None:
        if not self._in_request:
            self._header_bytes += len(data)
        super().data_received(data)
        if not self._in_request and self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
            self._refuse_too_large()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsed_bytes = 0  # of the request line and headers, as parsed

    def on_url(self, url: bytes) -> None:
        self._parsed_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._parsed_bytes > self.max_header_bytes:
            # Raising stops the parser; uvicorn then calls send_400_response, which answers 431.
            self._too_large = True
            raise ValueError("request headers too large")
        self._in_request = True
        self._stop_timer()
        if not self.parser.should_upgrade():
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_too_slow)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._stop_body_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._in_request = False
        if not self.transport.is_closing():
            self._stop_timer()
            self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self._stop_body_timer()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self._in_request and not self.transport.is_closing():
            detail = f"The request headers did not arrive within {self.header_timeout:g} seconds."
            self._refuse(408, "request-timeout", detail)

    def _body_too_slow(self) -> None:
        self._body_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # The app's receive() now answers http.disconnect, and what it sends is dropped.
            cycle.disconnected = True
            cycle.message_event.set()
        if cycle is None or not cycle.response_started:
            detail = f"The request body did not arrive within {self.body_timeout:g} seconds of its headers."
            self._refuse(408, "request-timeout", detail)
        else:
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self._refuse_too_large()
        else:
            self._refuse(400, "bad-request", "The request is not valid HTTP/1.1.")

    def _refuse_too_large(self) -> None:
        detail = f"The request line and headers are over {self.max_header_bytes} bytes."
        self._refuse(431, "request-header-fields-too-large", detail)

    def _refuse(self, status: int, code: str, detail: str) -> None:
        """Send a problem and close: what is left of the request cannot be trusted to frame the next one."""
        self._stop_timer()
        self._stop_body_timer()
        body = orjson.dumps(problem_body(status, detail, code=code))
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
            *STAMPED_HEADERS,
            (b"x-request-id", new_request_id()),
        ]
        head = b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())
        head += b"".join(b"%s: %s\r\n" % header for header in headers)
        self.transport.write(head + b"\r\n" + body)
        self.transport.close()
