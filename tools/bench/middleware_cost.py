"""What the libraries' middlewares would cost the edge, per request, in process (no server, no network).

Run: `uv run --with asgi-correlation-id python tools/bench/middleware_cost.py`. Each app sends the same
prepared 1.5 KB JSON response; the figures are medians of 7 batches. ADR 0005 quotes them.
"""

import asyncio
import importlib
import importlib.metadata
import itertools
import os
import secrets
import statistics
import sys
import tempfile
import time
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from starlette.middleware.cors import CORSMiddleware

BODY = b'{"x":' + b"1" * 1500 + b"}"
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode()), (b"etag", b'"e"')]
EXPOSED = ["ETag", "Link", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID"]
STAMPS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED).encode()),
    (b"x-content-type-options", b"nosniff"),
]
PREFIX, COUNTER = secrets.token_hex(8).encode(), itertools.count()


async def bare(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def stamped(scope: Any, receive: Any, send: Any) -> None:
    """The edge's way: a request id made from a counter, and prepared CORS headers added to the list."""
    request_id = b"%s%016x" % (PREFIX, next(COUNTER))
    headers = [*HEADERS, *STAMPS, (b"x-request-id", request_id)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def cors(app: Any) -> Any:
    return CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "POST"], expose_headers=EXPOSED)


APPS = {
    "bare app": bare,
    "edge: prepared CORS headers and request id": stamped,
    "starlette CORSMiddleware": cors(bare),
    "asgi-correlation-id": CorrelationIdMiddleware(bare),
    "both middlewares": CorrelationIdMiddleware(cors(bare)),
}


def scope(origin: bool) -> dict[str, Any]:
    headers = [(b"host", b"api"), (b"accept-encoding", b"identity")]
    if origin:
        headers.append((b"origin", b"https://clinic.example"))
    return {"type": "http", "method": "GET", "path": "/v1/conditions/back-spasms", "headers": headers,
            "query_string": b"", "client": ("127.0.0.1", 1), "scheme": "http", "http_version": "1.1",
            "root_path": "", "raw_path": b"/v1/conditions/back-spasms", "server": ("api", 80)}  # fmt: skip


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    pass


async def batch(app: Any, request: dict[str, Any], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await app(dict(request), receive, send)
    return (time.perf_counter() - started) / count * 1e6


async def middlewares() -> None:
    figures: dict[tuple[str, bool], list[float]] = {}
    for _ in range(7):
        for name, app in APPS.items():
            for origin in (False, True):
                figures.setdefault((name, origin), []).append(await batch(app, scope(origin), 20_000))
    for name in APPS:
        plain, cross = (statistics.median(figures[name, origin]) for origin in (False, True))
        print(f"{name:45s} {plain:6.2f} µs without Origin, {cross:6.2f} µs with")


def prometheus(multiprocess: bool) -> float:
    """A counter's inc() and a histogram's observe(), as a request would make them."""
    if multiprocess:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()
    import prometheus_client.metrics
    import prometheus_client.values

    importlib.reload(prometheus_client.values)  # picks the value class from the environment
    metrics = importlib.reload(prometheus_client.metrics)
    registry = prometheus_client.CollectorRegistry()
    requests = metrics.Counter("requests", "r", ["method", "path", "status"], registry=registry)
    seconds = metrics.Histogram("seconds", "s", ["method", "path"], registry=registry)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(100_000):
            requests.labels("GET", "/v1/conditions/{slug}", "200").inc()
            seconds.labels("GET", "/v1/conditions/{slug}").observe(0.0002)
        samples.append((time.perf_counter() - started) / 100_000 * 1e6)
    return statistics.median(samples)


if __name__ == "__main__":
    versions = {
        name: importlib.metadata.version(name) for name in ("starlette", "asgi-correlation-id", "prometheus-client")
    }
    print("python", sys.version.split()[0], versions)
    asyncio.run(middlewares())
    print(f"{'prometheus-client inc() + observe(), one process':45s} {prometheus(False):6.2f} µs")
    print(f"{'the same with PROMETHEUS_MULTIPROC_DIR':45s} {prometheus(True):6.2f} µs")
