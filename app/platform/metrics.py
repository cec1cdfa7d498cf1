"""Prometheus metrics: requests by route and status, latency, rate-limit refusals and triage levels."""

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Scope

REQUESTS = Counter("backpain_http_requests", "HTTP requests answered.", ["route", "method", "status"])
LATENCY = Histogram(
    "backpain_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
RATE_LIMITED = Counter("backpain_rate_limited", "Requests refused for being over a rate limit.", ["policy"])
RATE_LIMIT_STORE_FALLBACK = Gauge(
    "backpain_rate_limit_store_fallback",
    "1 while this worker counts rate limits in process because the shared store (Redis) is unreachable.",
    multiprocess_mode="max",
)

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus text format.", "content": {CONTENT_TYPE_LATEST: {}}}},
)
def get_metrics() -> Response:
    """Prometheus metrics of this worker, or of every worker when PROMETHEUS_MULTIPROC_DIR is set."""
    registry = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class Metrics:
    """Counts and times every response, labelled by route template rather than raw path.

    `templates` are the app's path templates, such as `/v1/conditions/{slug}`.
    """

    def __init__(self, templates: Iterable[str]) -> None:
        self.templates = [(compile_path(template)[0], template) for template in templates]
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (self._template(scope["path"]), scope["method"], status)
        series = self._series.get(key)
        if series is None:  # labels() is the slow part; each series is looked up once
            route, method, _ = key
            series = self._series[key] = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route))
        series[0].inc()
        series[1].observe(seconds)

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per app, and paths repeat
    def _template(self, path: str) -> str:
        return next((template for regex, template in self.templates if regex.match(path)), "unmatched")
