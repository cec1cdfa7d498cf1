"""The served HTTP protocol over raw sockets: bounded header size and time, and problems for what it refuses."""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from app.core.config import Settings
from app.core.server import MAX_HEADER_BYTES, BoundedHttpToolsProtocol
from app.main import create_app
from tests.net import free_port


class QuickHeaders(BoundedHttpToolsProtocol):
    """The served protocol with a short header timeout, so the test need not wait 10 s."""

    header_timeout = 1.0


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The app under a real uvicorn with the bounded protocol (no database: /healthz needs none)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'empty.db'}"
    chosen = free_port()
    config = uvicorn.Config(
        create_app(Settings(database_url=url)), port=chosen, http=QuickHeaders, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield chosen
    server.should_exit = True
    thread.join(timeout=10)


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
