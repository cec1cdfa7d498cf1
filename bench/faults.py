"""Fault figures for the security findings, against real `backpain serve` processes on loopback.

    .venv/bin/python -m bench.faults      (needs Redis on 127.0.0.1:6379)

Prints the 429s among 600 requests within a key's limit (one worker; two workers sharing Redis),
request latency with Redis hung, and how the server treats an oversized and a half-sent header.
"""

import asyncio
import socket
import statistics
import tempfile
import time
from collections.abc import Sequence

import httpx

from tests.helpers.databases import migrate_and_seed
from tests.helpers.keys import make_key
from tests.helpers.servers import served

REDIS_URL = "redis://127.0.0.1:6379/0"


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
        anonymous = {"RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000", "LOG_LEVEL": "warning"}
        with served(url, env=anonymous) as base:
            ok, refused = asyncio.run(burst([base], make_key(url, "read")))
            print(f"one worker, memory counters: {ok} x 200, {refused} x 429 (600 requests, limit 1200/min)")
            median, worst = asyncio.run(latency(base))
            print(f"no Redis: median {median:.2f} ms, worst {worst:.1f} ms (200 sequential GETs)")

        shared = {**anonymous, "REDIS_URL": REDIS_URL}
        with served(url, env=shared) as one, served(url, env=shared) as two:
            ok, refused = asyncio.run(burst([one, two], make_key(url, "read")))
            print(f"two workers, Redis counters: {ok} x 200, {refused} x 429 (600 requests, limit 1200/min)")

        hung = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
        with served(
            url, env={"REDIS_URL": f"redis://127.0.0.1:{hung.getsockname()[1]}/0", "LOG_LEVEL": "warning"}
        ) as base:
            median, worst = asyncio.run(latency(base))
            print(f"Redis hung: median {median:.2f} ms, worst {worst:.1f} ms (200 sequential GETs)")
            address = ("127.0.0.1", int(base.rsplit(":", 1)[1]))
            sent, started = 0, time.perf_counter()
            with socket.create_connection(address) as sock:
                try:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: ")
                    while sent < 100 * 1024 * 1024:
                        sock.sendall(b"a" * 65536)
                        sent += 65536
                except OSError:
                    pass
            took = (time.perf_counter() - started) * 1000
            print(f"a 100 MB header: connection closed after {sent // 1024} KiB had left the client, in {took:.0f} ms")
            sockets = [socket.create_connection(address, timeout=30) for _ in range(200)]
            started = time.perf_counter()
            for sock in sockets:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            for sock in sockets:
                while sock.recv(65536):
                    pass
                sock.close()
            elapsed = time.perf_counter() - started
            print(f"200 half-sent headers: every one answered 408 and closed after {elapsed:.1f} s")
        hung.close()


if __name__ == "__main__":
    main()
