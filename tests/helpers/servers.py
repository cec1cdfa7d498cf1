"""Real servers for tests and the benchmark: `backpain serve` in a process, the app under uvicorn in a
thread, free ports, and a proxy that a test can cut."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from typing import IO, Any

import httpx
import uvicorn

from app.core.config import Settings
from app.main import create_app


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CuttableProxy:
    """A TCP proxy on a free port to an upstream server, which a test can cut and restore.

    Cutting closes the listening socket and every open connection, as a network failure or a
    stopped server would; restoring listens again on the same port.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def __enter__(self) -> "CuttableProxy":
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            doomed = [*self._open, *([self._listener] if self._listener else [])]
            self._open.clear()
            self._listener = None
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(self.upstream)
            except OSError:
                return
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def served(url: str, *, output: IO[bytes] | int = subprocess.DEVNULL, env: Mapping[str, str] = {}) -> Iterator[str]:
    """`backpain serve` (the served configuration) on a free port of loopback, on the given database
    and environment, until the block ends; yields its base URL once it answers /readyz."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--no-prepare", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": url, **env},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise AssertionError("the server did not stop within 10 s of SIGTERM") from None


class ServedApi:
    """The API served by a real uvicorn on a free port, in a thread."""

    def __init__(self, url: str, **settings: Any) -> None:
        settings.setdefault("rate_limit_anonymous_per_minute", 1_000_000)
        self.database_url = url
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        app = create_app(Settings(database_url=url, **settings))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ServedApi":
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
