"""A worker of `backpain serve` whose event loop is blocked is ended, then replaced; SIGTERM stops the
server within its graceful timeout, whether the loop is blocked or a request is still arriving."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.watchdog import EXIT_CODE
from app.main import create_app
from tests.helpers.databases import EmptyDatabase
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow

STALL_SECONDS = 1.0
GRACEFUL_SECONDS = 2


def stalling_app() -> ASGIApp:
    """The API, except that `/stall` blocks the worker's event loop, as a bug would."""
    api = create_app()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/stall":
            time.sleep(60)  # noqa: ASYNC251 - blocking the loop is the point
        await api(scope, receive, send)

    return app


@contextlib.contextmanager
def server(url: str, log: Path, *, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The stalling app served as `backpain serve` serves the API, with short stall and graceful limits."""
    port = free_port()
    run = (
        "from app.cli import run_server; "
        f"run_server('tests.core.test_watchdog_served:stalling_app', host='127.0.0.1', port={port}, workers={workers},"
        " factory=True)"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WORKER_STALL_SECONDS": str(STALL_SECONDS),
        "GRACEFUL_SHUTDOWN_SECONDS": str(GRACEFUL_SECONDS),
    }
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-c", run], env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert ready(base, within=30), log.read_text()
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def ready(base: str, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def started(log: Path, workers: int, *, within: float) -> bool:
    """Whether `workers` workers in all have finished their startup, as the server's log says."""
    deadline = time.monotonic() + within
    while log.read_text().count("Application startup complete.") < workers:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stopped_within(process: subprocess.Popen[bytes], seconds: float) -> float:
    """Send SIGTERM and return how long the server took to exit; fail if it outlasts `seconds`."""
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server was still running {seconds} s after SIGTERM")
    return time.monotonic() - began


@pytest.fixture
def url(tmp_path: Path) -> str:
    return EmptyDatabase("sqlite", tmp_path, None).create_seeded()


def test_a_stalled_worker_is_replaced(url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with server(url, log, workers=2) as (base, process):
        # Each worker takes connections as it accepts them: stall whichever takes this one.
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{base}/stall", timeout=STALL_SECONDS * 8)
        assert "event loop blocked for" in log.read_text()
        # The supervisor starts a new worker; both answer again. The test waits for the new one's startup
        # to finish (the two first and the replacement): a SIGTERM while it is still starting is another case.
        assert ready(base, within=20), log.read_text()
        assert started(log, 3, within=30), log.read_text()
        answered = [httpx.get(f"{base}/healthz", timeout=2).status_code for _ in range(10)]
        assert answered == [200] * 10
        assert process.poll() is None
        stopped_within(process, GRACEFUL_SECONDS + 5)
    text = log.read_text()
    assert "in app" in text  # the stack names the frame that blocked
    assert text.count("event loop blocked for") == 1


def test_sigterm_stops_a_server_whose_loop_is_blocked(url: str, tmp_path: Path) -> None:
    with server(url, tmp_path / "server.log", workers=1) as (base, process):
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{base}/stall", timeout=0.5)
        took = stopped_within(process, STALL_SECONDS + GRACEFUL_SECONDS + 3)
    assert process.returncode == EXIT_CODE
    assert took < STALL_SECONDS + GRACEFUL_SECONDS + 3


def test_sigterm_stops_a_server_while_a_body_is_still_arriving(url: str, tmp_path: Path) -> None:
    with server(url, tmp_path / "server.log", workers=1) as (base, process):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as slow, socket.create_connection(("127.0.0.1", port)):
            # A POST that has sent its headers and a byte of a 100-byte body, and an idle connection.
            slow.sendall(b"POST /v1/triage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            slow.sendall(b"Content-Length: 100\r\n\r\n{")
            time.sleep(0.3)
            took = stopped_within(process, GRACEFUL_SECONDS + 3)
    assert process.returncode == -signal.SIGTERM  # uvicorn ends by its own signal once it has shut down
    assert took >= GRACEFUL_SECONDS - 0.5  # it waited for the request, as long as it is allowed to
