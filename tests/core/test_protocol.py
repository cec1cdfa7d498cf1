"""The served HTTP protocol over raw sockets: bounded header size and time, and problems for what it refuses."""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Literal

import pytest
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.protocol import MAX_HEADER_BYTES, BoundedHttpToolsProtocol
from app.main import create_app
from tests.helpers.servers import free_port


class QuickHeaders(BoundedHttpToolsProtocol):
    """The served protocol with short header and body timeouts, so the tests need not wait 10 or 15 s."""

    header_timeout = 1.0
    body_timeout = 1.0


@contextlib.contextmanager
def served(app: ASGIApp, lifespan: Literal["on", "off"] = "on") -> Iterator[int]:
    """The app under a real uvicorn with the bounded protocol; yields its port."""
    chosen = free_port()
    config = uvicorn.Config(app, port=chosen, http=QuickHeaders, log_level="warning", lifespan=lifespan)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield chosen
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The app with no database: /healthz needs none, and the edge reads POST bodies before any route."""
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'empty.db'}"
    with served(create_app(Settings(database_url=url))) as chosen:
        yield chosen


def exchange(port: int, request: bytes, *, timeout: float = 5.0) -> bytes:
    """Send the bytes and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused before it read everything
            sock.sendall(request)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
        return received


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def assert_problem(raw: bytes, status: int, code: str) -> None:
    got, headers, body = parse(raw)
    assert got == status, raw[:200]
    assert headers["content-type"] == "application/problem+json"
    assert headers["access-control-allow-origin"] == "*"
    assert len(headers["x-request-id"]) == 32
    assert headers["connection"] == "close"
    problem = json.loads(body)
    assert (problem["status"], problem["type"]) == (status, f"urn:backpain:problem:{code}")


def test_headers_over_16_kib_get_a_431_problem(port: int) -> None:
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 * 1024) + b"\r\n\r\n"
    started = time.perf_counter()
    assert_problem(exchange(port, big), 431, "request-header-fields-too-large")
    assert time.perf_counter() - started < 2
    # A huge header, 100 MB if the client could send it, is refused after the first 16 KiB or so.
    assert sent_before_refusal(port, 100 * 1024 * 1024) < 10 * 1024 * 1024


def sent_before_refusal(port: int, size: int) -> int:
    """How much of a header of `size` bytes the server takes before it closes the connection."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Huge: ")
            while sent < size:
                sock.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            return sent
    return sent


def test_headers_just_under_the_limit_and_large_bodies_pass(port: int) -> None:
    padding = b"a" * (MAX_HEADER_BYTES - 200)
    status, _, _ = parse(
        exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + padding + b"\r\nConnection: close\r\n\r\n")
    )
    assert status == 200
    body = b'{"answers": {}}' + b" " * (60 * 1024)
    post = b"POST /v1/triage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
    status, _, _ = parse(exchange(port, post + b"Content-Length: %d\r\n\r\n" % len(body) + body))
    assert status != 431  # a body is not a header (503 here: this database has no ruleset)


def test_half_sent_headers_are_answered_and_closed_within_the_timeout(port: int) -> None:
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(50)]
    try:
        started = time.perf_counter()
        for sock in sockets:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        for sock in sockets:
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            assert_problem(received, 408, "request-timeout")
        assert time.perf_counter() - started < 3  # the 1 s timeout, not minutes
    finally:
        for sock in sockets:
            sock.close()


def test_malformed_requests_get_a_problem_not_plain_text(port: int) -> None:
    assert_problem(exchange(port, b"NOT HTTP AT ALL\r\n\r\n"), 400, "bad-request")
    assert_problem(exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400, "bad-request")


def test_keep_alive_requests_each_get_the_full_header_budget(port: int) -> None:
    padding = b"a" * (MAX_HEADER_BYTES - 200)
    one = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + padding + b"\r\n\r\n"
    raw = exchange(port, one + one + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw.count(b"HTTP/1.1 200 OK") == 3


def trickle(port: int, head: bytes, *, every: float, seconds: float) -> tuple[bytes, float]:
    """Send the head, then a byte of body every `every` seconds until the server closes the connection
    (or `seconds` pass); what came back, and when the connection closed."""
    started = time.perf_counter()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(head)
        sock.settimeout(every)
        while time.perf_counter() - started < seconds:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(b" ")
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    return received, time.perf_counter() - started


TRICKLED = b"POST /v1/triage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"


def test_a_body_trickled_past_the_timeout_gets_a_408_and_is_closed(port: int) -> None:
    raw, closed_after = trickle(port, TRICKLED, every=0.2, seconds=6)
    assert_problem(raw, 408, "request-timeout")
    assert json.loads(parse(raw)[2])["detail"] == "The request body did not arrive within 1 seconds of its headers."
    assert 0.9 < closed_after < 2.5  # the 1 s body timeout, though bytes kept coming


def test_the_app_sees_a_disconnect_when_the_body_times_out() -> None:
    heard: list[Message] = []
    done = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (message := await receive())["type"] == "http.request" and message.get("more_body"):
            heard.append(message)
        heard.append(message)
        done.set()

    with served(app, lifespan="off") as chosen:
        raw, _ = trickle(chosen, TRICKLED, every=0.2, seconds=6)
        assert done.wait(timeout=2)
    assert_problem(raw, 408, "request-timeout")
    assert heard[-1] == {"type": "http.disconnect"}


def test_a_body_sent_in_time_after_a_pause_is_read(port: int) -> None:
    body = b'{"answers": {}}'
    head = b"POST /v1/triage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
        time.sleep(0.6)
        sock.sendall(body[5:])
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert parse(received)[0] == 503  # read and answered: this database has no ruleset
