"""Prometheus metrics: requests by route and status, latency, rate-limit refusals and triage levels.

Requests and their latency are counted on every response, so they are kept in plain dictionaries of
this worker and handed to prometheus-client only when /metrics is scraped, through a custom collector.
With PROMETHEUS_MULTIPROC_DIR set, each worker also writes its figures to a file there once a second
(`flush`), and a scrape adds up every worker's file.
"""

import bisect
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Scope

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
RATE_LIMITED = Counter("backpain_rate_limited", "Requests refused for being over a rate limit.", ["policy"])
RATE_LIMIT_STORE_FALLBACK = Gauge(
    "backpain_rate_limit_store_fallback",
    "1 while this worker counts rate limits in process because the shared store (Redis) is unreachable.",
    multiprocess_mode="max",
)
_FILE_PREFIX = "backpain-requests-"
_KNOWN_PATHS = 4096  # paths whose template is remembered; others are matched each time

# (route, method, status) -> count; route -> a count per bucket (the last for +Inf), then the sum.
Counts = dict[tuple[str, str, int], int]
Latency = dict[str, list[float]]


class RequestFigures(Collector):
    """This worker's request counts and latency buckets, and the files of the others when there are any."""

    def __init__(self) -> None:
        self.counts: Counts = {}
        self.latency: Latency = {}
        self.directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self._flushed = 0  # requests counted when the file was last written

    def add(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one request: two dictionary updates and a bisect, no allocation once a series exists."""
        key = (route, method, status)
        counts = self.counts
        counts[key] = counts.get(key, 0) + 1
        row = self.latency.get(route)
        if row is None:
            row = self.latency[route] = [0.0] * (len(BUCKETS) + 2)
        row[bisect.bisect_left(BUCKETS, seconds)] += 1
        row[-1] += seconds

    def _file(self) -> Path | None:
        return Path(self.directory, f"{_FILE_PREFIX}{os.getpid()}.json") if self.directory else None

    def flush(self) -> None:
        """Write this worker's figures to its file, when they changed (a worker's poller calls it once a
        second); an atomic rename, so a scrape never reads half a file."""
        path = self._file()
        if path is None:
            return
        total = sum(self.counts.values())
        if total == self._flushed:
            return
        document = {
            "counts": [[*key, count] for key, count in list(self.counts.items())],
            "latency": dict(self.latency),
        }
        partial = path.with_suffix(".tmp")
        partial.write_bytes(orjson.dumps(document))
        partial.replace(path)
        self._flushed = total

    def _figures(self) -> tuple[Counts, Latency]:
        """This worker's figures, plus those the other workers last flushed."""
        counts: Counts = dict(list(self.counts.items()))
        latency: Latency = {route: list(row) for route, row in list(self.latency.items())}
        own = self._file()
        for path in Path(self.directory).glob(f"{_FILE_PREFIX}*.json") if self.directory else ():
            if path == own:
                continue
            try:
                document = orjson.loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue  # a worker's file that vanished mid-scrape
            for route, method, status, count in document["counts"]:
                counts[(route, method, status)] = counts.get((route, method, status), 0) + count
            for route, row in document["latency"].items():
                mine = latency.setdefault(route, [0.0] * (len(BUCKETS) + 2))
                latency[route] = [a + b for a, b in zip(mine, row, strict=True)]
        return counts, latency

    def collect(self) -> Iterator[Metric]:
        counts, latency = self._figures()
        requests = CounterMetricFamily(
            "backpain_http_requests", "HTTP requests answered.", labels=["route", "method", "status"]
        )
        for (route, method, status), count in sorted(counts.items()):
            requests.add_metric([route, method, str(status)], count)
        yield requests
        durations = HistogramMetricFamily(
            "backpain_http_request_duration_seconds", "Time to answer a request, by route.", labels=["route"]
        )
        for route, row in sorted(latency.items()):
            cumulative, buckets = 0.0, []
            for bound, observed in zip([*map(str, BUCKETS), "+Inf"], row[:-1], strict=True):
                cumulative += observed
                buckets.append((bound, cumulative))
            durations.add_metric([route], buckets, sum_value=row[-1])
        yield durations


FIGURES = RequestFigures()
REGISTRY.register(FIGURES)

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
        registry.register(FIGURES)
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class Metrics:
    """Counts and times every response, labelled by route template rather than raw path.

    `templates` are the app's path templates, such as `/v1/conditions/{slug}`.
    """

    def __init__(self, templates: Iterable[str], figures: RequestFigures = FIGURES) -> None:
        self.templates = [(compile_path(template)[0], template) for template in templates]
        self.figures = figures
        self._known: dict[str, str] = {}  # path -> its template, for the paths seen most

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        """Count one answered request."""
        path: str = scope["path"]
        template = self._known.get(path)
        if template is None:
            template = next((template for regex, template in self.templates if regex.match(path)), "unmatched")
            if len(self._known) < _KNOWN_PATHS:
                self._known[path] = template
        self.figures.add(template, scope["method"], status, seconds)
