"""Fault figures for the security findings, against real `backpain serve` processes on loopback.

    uv run python -m tests.bench.faults      (needs Redis on 127.0.0.1:6379)

Prints the 429s among 600 requests within a key's limit (one worker; two workers sharing Redis),
request latency with Redis hung, and how the server treats an oversized and a half-sent header.
"""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import httpx

from tests.conftest import make_key, migrate_and_seed
from tests.net import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def start(url: str, port: int, **env: str) -> "subprocess.Popen[bytes]":
    """`backpain serve` on a port, ready to answer."""
    server = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--no-prepare", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "warning", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


async def burst(bases: Sequence[str], key: str, total: int = 600, connections: int = 8) -> tuple[int, int]:
    """`total` GETs with a key, over `connections` parallel connections per server: (200s, 429s)."""
    clients = [httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=connections)) for base in bases]
    gate = asyncio.Semaphore(connections * len(bases))

    async def one(n: int) -> int:
        async with gate:
            return (await clients[n % len(clients)].get("/v1/treatments", headers={"X-API-Key": key})).status_code

    statuses = await asyncio.gather(*(one(n) for n in range(total)))
    for client in clients:
        await client.aclose()
    return statuses.count(200), statuses.count(429)


async def latency(base: str, count: int = 200) -> tuple[float, float]:
    """Median and worst milliseconds of sequential GETs."""
    seconds = []
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(count):
            started = time.perf_counter()
            await client.get("/v1/conditions/back-spasms")
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/faults.db"
        migrate_and_seed(url)
        anonymous = {"RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000"}
        port = free_port()
        server = start(url, port, **anonymous)
        ok, refused = asyncio.run(burst([f"http://127.0.0.1:{port}"], make_key(url, "read")))
        print(f"one worker, memory counters: {ok} x 200, {refused} x 429 (600 requests, limit 1200/min)")
        median, worst = asyncio.run(latency(f"http://127.0.0.1:{port}"))
        print(f"no Redis: median {median:.2f} ms, worst {worst:.1f} ms (200 sequential GETs)")
        server.terminate()
        server.wait()

        ports = [free_port(), free_port()]
        servers = [start(url, p, REDIS_URL=REDIS_URL, **anonymous) for p in ports]
        ok, refused = asyncio.run(burst([f"http://127.0.0.1:{p}" for p in ports], make_key(url, "read")))
        print(f"two workers, Redis counters: {ok} x 200, {refused} x 429 (600 requests, limit 1200/min)")
        for each in servers:
            each.terminate()
            each.wait()

        hung = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
        port = free_port()
        server = start(url, port, REDIS_URL=f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        median, worst = asyncio.run(latency(f"http://127.0.0.1:{port}"))
        print(f"Redis hung: median {median:.2f} ms, worst {worst:.1f} ms (200 sequential GETs)")

        sent, started = 0, time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            try:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: ")
                while sent < 100 * 1024 * 1024:
                    sock.sendall(b"a" * 65536)
                    sent += 65536
            except OSError:
                pass
        took = (time.perf_counter() - started) * 1000
        print(f"a 100 MB header: connection closed after {sent // 1024} KiB had left the client, in {took:.0f} ms")

        sockets = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(200)]
        started = time.perf_counter()
        for sock in sockets:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        for sock in sockets:
            while sock.recv(65536):
                pass
            sock.close()
        print(f"200 half-sent headers: every one answered 408 and closed after {time.perf_counter() - started:.1f} s")
        server.terminate()
        server.wait()
        hung.close()


if __name__ == "__main__":
    main()
