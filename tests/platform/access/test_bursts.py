"""Bursts of ordinary traffic at the default limits, through a real `backpain serve`: every request is
answered 200 or 429, and the server still answers /healthz after each burst and stops on SIGTERM."""

import asyncio
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from tests.helpers.databases import EmptyDatabase
from tests.helpers.keys import make_key
from tests.helpers.servers import served

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

BURSTS = (10, 30, 60, 100)
ORIGIN = "https://clinic.example"


async def burst(base: str, size: int, headers: dict[str, str]) -> list[int]:
    """`size` concurrent GETs of a list, each on a connection of its own, as page loads make them."""
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:
        responses = await asyncio.gather(*(client.get("/v1/causes", headers=headers) for _ in range(size)))
        assert (await client.get("/healthz")).status_code == 200
    return [response.status_code for response in responses]


@pytest.mark.parametrize("store", ["memory", "redis"])
@pytest.mark.parametrize("caller", ["anonymous", "origin-locked key"])
async def test_bursts_at_the_default_limits_are_all_answered(
    store: str, caller: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = EmptyDatabase("sqlite", tmp_path, None).create_seeded()
    headers: dict[str, str] = {}
    defaults = Settings()
    allowed = defaults.rate_limit_anonymous_per_minute
    if caller != "anonymous":
        key = make_key(url, "read", allowed_origins=[ORIGIN])
        headers = {"Authorization": f"Bearer {key}", "Origin": ORIGIN}
        allowed = defaults.rate_limit_key_per_client_per_minute
    env = {"REDIS_URL": request.getfixturevalue("redis_url")} if store == "redis" else {}
    with served(url, env=env) as base:
        seen = [await burst(base, size, headers) for size in BURSTS]
    assert all(set(statuses) <= {200, 429} for statuses in seen), seen
    granted = sum(statuses.count(200) for statuses in seen)
    if store == "memory":  # this server's own counters: exactly the limit is granted, in arrival order
        assert granted == min(allowed, sum(BURSTS))
    else:  # the address's counter in Redis is shared with earlier runs within the minute
        assert granted <= allowed
