"""Rate limits: per client IP and per key, the RateLimit headers, 429s, trusted proxies and Redis."""

import re
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import serve
from tests.platform.conftest import bearer

pytestmark = pytest.mark.anyio


def remaining(response: httpx.Response) -> int:
    match = re.fullmatch(r'"(\w+)";r=(\d+);t=(\d+)', response.headers["ratelimit"])
    assert match, response.headers["ratelimit"]
    assert 1 <= int(match[3]) <= 60
    return int(match[2])


async def test_anonymous_callers_are_limited_per_ip(seeded_url: str) -> None:
    async with serve(seeded_url, rate_limit_anonymous_per_minute=3) as client:
        seen = [await client.get("/v1/conditions/back-spasms") for _ in range(3)]
        assert [r.status_code for r in seen] == [200, 200, 200]
        assert [r.headers["ratelimit-policy"] for r in seen] == ['"anonymous";q=3;w=60'] * 3
        assert [remaining(r) for r in seen] == [2, 1, 0]
        over = await client.get("/v1/conditions/back-spasms")
        assert over.status_code == 429
        assert over.headers["content-type"] == "application/problem+json"
        assert over.json()["type"] == "urn:backpain:problem:rate-limited"
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert remaining(over) == 0
        assert "Retry-After" in over.headers["access-control-expose-headers"]
        # Every other route counts against the same budget; probes and scrapers do not.
        assert (await client.post("/v1/triage", json={"answers": {}})).status_code == 429
        assert (await client.get("/nope")).status_code == 429
        for path in ("/healthz", "/readyz", "/metrics"):
            probe = await client.get(path)
            assert probe.status_code == 200, path
            assert "ratelimit" not in probe.headers
        preflight = await client.options(
            "/v1/triage", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 204


async def test_every_kind_of_response_carries_the_headers(seeded_url: str) -> None:
    async with serve(seeded_url, rate_limit_anonymous_per_minute=100) as client:
        etag = (await client.get("/v1/treatments")).headers["etag"]
        responses = [
            await client.get("/v1/treatments", headers={"If-None-Match": etag}),
            await client.get("/v1/treatments?limit=2&category=self_care"),
            await client.get("/v1/treatments/no-such"),
            await client.get("/v1/search?q=heat"),
            await client.post("/v1/triage", json={"answers": {"age": 40}}),
            await client.post("/v1/triage", content=b"{", headers={"Content-Type": "application/json"}),
            await client.get("/openapi.json"),
        ]
        assert [r.status_code for r in responses] == [304, 200, 404, 200, 200, 400, 200]
        left = [remaining(r) for r in responses]
        assert left == list(range(98, 91, -1))


async def test_keys_have_their_own_limits(fresh_url: str, key_for: Callable[..., str]) -> None:
    limited = key_for("read", rate_limit_per_minute=2)
    default = key_for("read")
    async with serve(fresh_url, rate_limit_anonymous_per_minute=1, rate_limit_key_per_minute=5) as client:
        statuses = [(await client.get("/v1/causes", headers=bearer(limited))).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        response = await client.get("/v1/causes", headers=bearer(default))
        assert response.headers["ratelimit-policy"] == '"key";q=5;w=60'
        assert remaining(response) == 4
        # The anonymous budget of this address is separate from both keys'.
        assert (await client.get("/v1/causes")).status_code == 200
        assert (await client.get("/v1/causes")).status_code == 429


async def test_wrong_keys_count_against_the_address(seeded_url: str) -> None:
    async with serve(seeded_url, rate_limit_anonymous_per_minute=2) as client:
        wrong = {"X-API-Key": "bpk_guess"}
        assert [(await client.get("/v1/causes", headers=wrong)).status_code for _ in range(3)] == [401, 401, 429]


async def test_forwarded_for_is_used_only_from_trusted_proxies(seeded_url: str) -> None:
    async with serve(seeded_url, rate_limit_anonymous_per_minute=1, forwarded_allow_ips="127.0.0.1") as client:
        # httpx's ASGI transport connects from 127.0.0.1, a trusted proxy here.
        transport = httpx.ASGITransport(app=client._transport.app, client=("127.0.0.1", 5000))  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as proxied:
            for ip in ("203.0.113.1", "203.0.113.2"):
                response = await proxied.get("/v1/causes", headers={"X-Forwarded-For": f"{ip}, 127.0.0.1"})
                assert response.status_code == 200, ip
            again = await proxied.get("/v1/causes", headers={"X-Forwarded-For": "203.0.113.1"})
            assert again.status_code == 429
    async with serve(seeded_url, rate_limit_anonymous_per_minute=1, forwarded_allow_ips="10.0.0.1") as client:
        transport = httpx.ASGITransport(app=client._transport.app, client=("127.0.0.1", 5000))  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as direct:
            first = await direct.get("/v1/causes", headers={"X-Forwarded-For": "203.0.113.1"})
            spoofed = await direct.get("/v1/causes", headers={"X-Forwarded-For": "203.0.113.9"})
            assert [first.status_code, spoofed.status_code] == [200, 429]


async def test_redis_counters_are_shared_by_every_app(
    fresh_url: str, key_for: Callable[..., str], redis_url: str
) -> None:
    key = key_for("read", rate_limit_per_minute=4)
    async with serve(fresh_url, redis_url=redis_url) as one, serve(fresh_url, redis_url=redis_url) as two:
        statuses = [
            (await (one if n % 2 else two).get("/v1/sources", headers=bearer(key))).status_code for n in range(7)
        ]
        assert statuses == [200, 200, 200, 200, 429, 429, 429]


async def test_an_unreachable_redis_lets_requests_through(seeded_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with serve(seeded_url, redis_url=f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}") as client:
        responses = [await client.get("/v1/conditions") for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert all("ratelimit" not in r.headers for r in responses)
    assert caplog.text.count("rate-limit store unreachable") == 1


async def test_limits_can_be_left_to_a_gateway(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url, rate_limit_enabled=False, rate_limit_anonymous_per_minute=1) as client:
        responses = [await client.get("/v1/conditions") for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert all("ratelimit" not in r.headers for r in responses)
        # Keys are still checked.
        assert (await client.get("/v1/admin/audit", headers=bearer(key))).status_code == 200
        assert (await client.get("/v1/admin/audit", headers=bearer(key + "x"))).status_code == 401
