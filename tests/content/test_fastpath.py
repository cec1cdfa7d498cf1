"""The snapshot fast path answers exactly as the documented FastAPI routes do."""

import httpx
import pytest

from tests.conftest import serve

pytestmark = pytest.mark.anyio

REQUESTS = [
    ("/v1/conditions/back-spasms", {}),
    ("/v1/conditions/back-spasms", {"accept-encoding": "gzip"}),
    ("/v1/conditions", {}),
    ("/v1/treatments", {"accept-encoding": "gzip"}),
    ("/v1/treatments?limit=2&category=self_care", {}),
    ("/v1/treatments?category=self_care&limit=2", {}),
    ("/v1/symptoms?red_flag=false", {}),
    ("/v1/symptoms?red_flag=yes", {}),
    ("/v1/symptoms?limit=5&limit=6", {}),
    ("/v1/causes?condition=back-spasms&unknown=1", {}),
    ("/v1/causes?limit=007", {}),
    ("/v1/sources/nhs-back-pain?x=1", {}),
    ("/v1/sources/unknown", {}),
    ("/v1/treatments?cursor=bad", {}),
    ("/v1/treatments?limit=0", {}),
    ("/v1/treatments?category=injury", {}),
    ("/v1/symptoms?condition=Back", {}),
]


def comparable(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    # Request ids are per request, and each app counts its own rate limit.
    headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "ratelimit")}
    return response.status_code, response.content, headers


@pytest.mark.parametrize(("url", "headers"), REQUESTS)
async def test_same_answer_with_and_without_fast_path(seeded_url: str, url: str, headers: dict[str, str]) -> None:
    async with serve(seeded_url) as fast, serve(seeded_url, fast=False) as routed:
        expected = comparable(await routed.get(url, headers=headers))
        assert comparable(await fast.get(url, headers=headers)) == expected


async def test_pages_after_a_cursor_match(seeded_url: str) -> None:
    async with serve(seeded_url) as fast, serve(seeded_url, fast=False) as routed:
        cursor = (await fast.get("/v1/symptoms?limit=4")).json()["next_cursor"]
        url = f"/v1/symptoms?limit=4&cursor={cursor}"
        assert comparable(await fast.get(url)) == comparable(await routed.get(url))


TRIAGE_BODIES = [
    b'{"answers": {"fever": true}}',
    b'{"answers": {}}',
    b'{"answers": {"age": 40.0, "first_episode": true}}',
    b'{"answers": {"fever": 1}}',
    b'{"answers": []}',
    b"{",
    b'{"answers": {}, "extra": 1}',
]


@pytest.mark.parametrize("body", TRIAGE_BODIES)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_triage_same_answer_with_and_without_fast_path(seeded_url: str, body: bytes, content_type: str) -> None:
    async with serve(seeded_url) as fast, serve(seeded_url, fast=False) as routed:
        headers = {"content-type": content_type}
        expected = comparable(await routed.post("/v1/triage", content=body, headers=headers))
        assert comparable(await fast.post("/v1/triage", content=body, headers=headers)) == expected
