"""Rate limits: per client IP and per key, the RateLimit headers, 429s, trusted proxies and Redis."""

import asyncio
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from app.platform.access.ratelimit import RateLimits, Verdict, _reset
from tests.helpers.apps import serve
from tests.helpers.keys import bearer
from tests.helpers.ratelimits import SlowStorage

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


async def test_concurrent_hits_within_the_limit_are_all_allowed() -> None:
    limits = RateLimits()
    limits.storage = limits.local = SlowStorage()
    verdicts = await asyncio.gather(*(limits.hit("key", "k", 1200) for _ in range(600)))
    assert sum(v.allowed for v in verdicts) == 600
    over = await asyncio.gather(*(limits.hit("key", "k", 1200) for _ in range(700)))
    assert sum(v.allowed for v in over) == 600  # exactly the limit, no more


# Requests that arrive in waves, each wave in the loop turn in which the previous lease request ends:
# there, a finished request used to be found still shared, returned at once, and spun the loop.
WAVES = """
import asyncio
from app.platform.access.ratelimit import RateLimits
from tests.helpers.ratelimits import SlowStorage

async def arrive(limits, address, at):
    await asyncio.sleep(at)
    return await limits.hit("anonymous", address, 60)

async def main():
    limits = RateLimits()
    limits.storage = limits.local = SlowStorage(0.001)
    for address in range(5):
        verdicts = await asyncio.gather(*(arrive(limits, str(address), n // 10 * 0.001) for n in range(100)))
        print(sum(v.allowed for v in verdicts))

asyncio.run(main())
"""


def test_one_token_leases_asked_for_in_waves_never_spin() -> None:
    # In a process of its own: a loop that spins never yields, so no timeout inside it could fire.
    done = subprocess.run([sys.executable, "-c", WAVES], capture_output=True, text=True, timeout=20, check=True)
    assert done.stdout.split() == ["60"] * 5


async def test_two_workers_on_redis_allow_exactly_the_limit_under_concurrency(redis_url: str) -> None:
    workers = [RateLimits(redis_url), RateLimits(redis_url)]
    identity = uuid.uuid4().hex
    try:
        first = await asyncio.gather(*(workers[n % 2].hit("key", identity, 1200) for n in range(600)))
        assert sum(v.allowed for v in first) == 600
        second = await asyncio.gather(*(workers[n % 2].hit("key", identity, 1200) for n in range(700)))
        assert sum(v.allowed for v in second) == 600
    finally:
        for worker in workers:
            await worker.close()


async def test_concurrent_requests_with_a_key_get_no_false_429s(
    fresh_url: str, key_for: Callable[..., str], redis_url: str
) -> None:
    key = bearer(key_for("read"))  # the default 1200 a minute
    async with serve(fresh_url) as one:
        responses = await asyncio.gather(*(one.get("/v1/treatments", headers=key) for _ in range(600)))
        assert Counter(r.status_code for r in responses) == {200: 600}
    other = bearer(key_for("read", name="two workers"))
    async with serve(fresh_url, redis_url=redis_url) as one, serve(fresh_url, redis_url=redis_url) as two:
        calls = [(one if n % 2 else two).get("/v1/treatments", headers=other) for n in range(600)]
        assert Counter(r.status_code for r in await asyncio.gather(*calls)) == {200: 600}


async def test_a_forbidden_origin_cannot_burn_a_clinic_key(fresh_url: str, key_for: Callable[..., str]) -> None:
    clinic = "https://clinic.example"
    key = bearer(key_for("read", rate_limit_per_minute=20, allowed_origins=[clinic]))
    async with serve(fresh_url, rate_limit_anonymous_per_minute=25) as client:
        evil = [await client.get("/v1/causes", headers={**key, "Origin": "https://evil.example"}) for _ in range(30)]
        assert Counter(r.status_code for r in evil) == {403: 25, 429: 5}  # counted against the address
        assert evil[-1].headers["ratelimit-policy"] == '"anonymous";q=25;w=60'
        own = await client.post("/v1/triage", json={"answers": {"chest_pain": True}}, headers={**key, "Origin": clinic})
        assert own.status_code == 200
        assert own.json()["level"] == "emergency"
        assert own.headers["ratelimit-policy"] == '"key";q=20;w=60'
        assert remaining(own) == 19


async def test_one_address_gets_only_its_share_of_a_locked_key(fresh_url: str, key_for: Callable[..., str]) -> None:
    clinic = {"Origin": "https://clinic.example"}
    key = {**bearer(key_for("read", allowed_origins=["https://clinic.example"])), **clinic}
    async with serve(fresh_url, rate_limit_key_per_client_per_minute=3) as client:
        mine = [(await client.get("/v1/causes", headers=key)).status_code for _ in range(4)]
        assert mine == [200, 200, 200, 429]
        transport = httpx.ASGITransport(app=client._transport.app, client=("198.51.100.7", 5000))  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as neighbour:
            assert (await neighbour.get("/v1/causes", headers=key)).status_code == 200


def hanging_server() -> tuple[socket.socket, int]:
    """A TCP server that accepts connections and never answers, as a hung Redis does."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen(64)
    return listener, listener.getsockname()[1]


async def test_with_redis_down_key_guessing_is_still_limited(seeded_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with serve(
        seeded_url, redis_url=f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}", rate_limit_anonymous_per_minute=2
    ) as client:
        guesses = [await client.get("/v1/causes", headers={"X-API-Key": "bpk_guess"}) for _ in range(3)]
        assert [r.status_code for r in guesses] == [401, 401, 429]
        assert all("ratelimit" in r.headers for r in guesses)
        assert "backpain_rate_limit_store_fallback 1.0" in (await client.get("/metrics")).text
    assert caplog.text.count("rate-limit store unreachable") == 1


async def test_with_redis_hung_requests_go_on_at_normal_speed(seeded_url: str) -> None:
    listener, port = hanging_server()
    try:
        async with serve(seeded_url, redis_url=f"redis://127.0.0.1:{port}/0") as client:
            started = time.perf_counter()
            responses = [await client.get("/v1/conditions") for _ in range(40)]
            elapsed = time.perf_counter() - started
        assert [r.status_code for r in responses] == [200] * 40
        # One call waits for the store's timeout (0.25 s); the breaker spares the other 39 (10 s without it).
        assert elapsed < 2.0
    finally:
        listener.close()


async def test_the_breaker_tries_redis_again_after_its_backoff(redis_url: str) -> None:
    listener, port = hanging_server()
    limits, answering = RateLimits(f"redis://127.0.0.1:{port}/0", backoff=0.2), RateLimits(redis_url)
    try:
        assert (await limits.hit("anonymous", "a", 5)).allowed
        assert limits.outage.failing
        limits.storage = answering.storage  # the store answers again
        await asyncio.sleep(0.25)
        assert (await limits.hit("anonymous", uuid.uuid4().hex, 5)).allowed
        assert not limits.outage.failing
    finally:
        await limits.close()
        await answering.close()
        listener.close()


async def test_limits_can_be_left_to_a_gateway(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url, rate_limit_enabled=False, rate_limit_anonymous_per_minute=1) as client:
        responses = [await client.get("/v1/conditions") for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert all("ratelimit" not in r.headers for r in responses)
        # Keys are still checked.
        assert (await client.get("/v1/admin/audit", headers=bearer(key))).status_code == 200
        assert (await client.get("/v1/admin/audit", headers=bearer(key + "x"))).status_code == 401


@pytest.mark.parametrize("per_minute", [20_050, 1_000_050])  # leases that cross a rounding step
async def test_spent_tokens_show_the_headers_of_their_moment(per_minute: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The headers a spent token gets are kept between changes, but always say what a fresh count would."""
    limits = RateLimits()
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    verdict = await limits.hit("anonymous", "1.2.3.4", per_minute)
    lease = limits._leases[("anonymous", "1.2.3.4", per_minute)]
    while lease.tokens:
        clock[0] += 0.37  # the reset moves on while the lease lasts
        if clock[0] >= lease.resets_at:
            break
        headers = limits.spend("anonymous", "1.2.3.4", per_minute)
        assert headers is not None
        fresh = Verdict(True, "anonymous", per_minute, lease.unleased + lease.tokens, _reset(lease.resets_at, clock[0]))
        assert headers == fresh.headers
    assert verdict.allowed
