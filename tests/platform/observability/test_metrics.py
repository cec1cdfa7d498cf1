"""Prometheus metrics: requests by route and status, latency, rate-limit refusals, triage levels."""

import os
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from app.platform.observability.metrics import RequestFigures
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests(route: str, status: str, method: str = "GET") -> tuple[str, tuple[tuple[str, str], ...]]:
    return "backpain_http_requests_total", (("method", method), ("route", route), ("status", status))


async def test_counts_by_route_status_level_and_refusal(seeded_url: str) -> None:
    async with serve(seeded_url, rate_limit_anonymous_per_minute=6) as client:
        before = await scrape(client)
        await client.get("/v1/conditions/back-spasms")  # the fast path
        await client.get("/v1/treatments/heat")
        await client.get("/v1/treatments/no-such-thing")  # the framework's 404
        await client.post("/v1/triage", json={"answers": {"bladder_or_bowel_change": True}})
        await client.post("/v1/triage", json={"answers": {"age": 40}})
        await client.get("/v1/search?q=heat")
        assert (await client.get("/v1/search?q=heat")).status_code == 429
        after = await scrape(client)

    def delta(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta(requests("/v1/conditions/{slug}", "200")) == 1
    assert delta(requests("/v1/treatments/{slug}", "200")) == 1
    assert delta(requests("/v1/treatments/{slug}", "404")) == 1
    assert delta(requests("/v1/triage", "200", "POST")) == 2
    assert delta(requests("/v1/search", "200")) == 1
    assert delta(requests("/v1/search", "429")) == 1
    assert delta(("backpain_rate_limited_total", (("policy", "anonymous"),))) == 1
    assert delta(("backpain_triage_assessments_total", (("level", "emergency"),))) == 1
    assert delta(("backpain_triage_assessments_total", (("level", "incomplete"),))) == 1
    histogram = ("backpain_http_request_duration_seconds_count", (("route", "/v1/treatments/{slug}"),))
    assert delta(histogram) == 2
    # Unknown paths share one label, so a scanner cannot blow up the series count.
    assert all("no-such" not in str(labels) for _, labels in after)


async def test_metrics_hold_no_answers(seeded_url: str) -> None:
    async with serve(seeded_url) as client:
        await client.post("/v1/triage", json={"answers": {"age": 77, "fever": True}})
        samples = await scrape(client)
    ours = [labels for name, labels in samples if name.startswith("backpain_")]
    assert {name for labels in ours for name, _ in labels} <= {"route", "method", "status", "policy", "level", "le"}
    assert {value for labels in ours for name, value in labels if name == "level"} <= {
        "emergency",
        "urgent",
        "routine",
        "self_care",
        "incomplete",
    }


def test_figures_add_up_across_workers(tmp_path: Path) -> None:
    """Each worker's figures stay in its own dictionaries; a scrape adds the files the others flushed."""
    other, mine = RequestFigures(), RequestFigures()
    other.directory = mine.directory = str(tmp_path)
    other.add("/v1/sources", "GET", 200, 0.0007)
    other.add("/v1/sources", "GET", 200, 0.02)
    other.flush()
    # Written as another process would: a file per worker, named by its pid.
    (tmp_path / "backpain-requests-1.json").write_bytes(
        (tmp_path / f"backpain-requests-{os.getpid()}.json").read_bytes()
    )
    (tmp_path / f"backpain-requests-{os.getpid()}.json").unlink()
    mine.add("/v1/sources", "GET", 429, 0.0001)
    registry = CollectorRegistry()
    registry.register(mine)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    assert samples[requests("/v1/sources", "200")] == 2
    assert samples[requests("/v1/sources", "429")] == 1
    route = (("route", "/v1/sources"),)
    assert samples[("backpain_http_request_duration_seconds_count", route)] == 3
    assert samples[("backpain_http_request_duration_seconds_bucket", (("le", "0.0005"), *route))] == 1
    assert samples[("backpain_http_request_duration_seconds_bucket", (("le", "0.001"), *route))] == 2
    assert samples[("backpain_http_request_duration_seconds_bucket", (("le", "0.025"), *route))] == 3
    assert samples[("backpain_http_request_duration_seconds_sum", route)] == pytest.approx(0.0208)
