"""The snapshot fast path answers exactly as the documented FastAPI routes do."""

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.config import Settings
from app.main import create_app
from tests.helpers.apps import api_of, serve
from tests.helpers.databases import migrate_and_seed

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
    ("/v1/treatments?recommendation=not_recommended&limit=5", {}),
    ("/v1/treatments?recommendation=consider&category=medication", {}),
    ("/v1/treatments?recommendation=maybe", {}),
    ("/v1/treatments?recommendation=", {}),
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


# The property: any request, generated, gets the same answer from the app with its fast path on as from
# the app with every request going through the FastAPI routes (the documented contract).
CONTRACT_HEADERS = ("content-type", "etag", "cache-control", "vary", "link", "content-encoding", "allow", "location")
SLUGS = ["back-spasms", "muscle-strain", "fever", "ice", "nhs-back-pain", "no-such-item"]
COLLECTIONS = ["conditions", "causes", "symptoms", "treatments", "sources"]
TEXT = st.text(alphabet="abcdefgAZ019-_%.~ ", max_size=12)


@st.composite
def get_requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    collection = draw(st.sampled_from(COLLECTIONS))
    path = f"/v1/{collection}" + draw(st.sampled_from(["", "/", *[f"/{slug}" for slug in SLUGS], "/Fever"]))
    names = st.sampled_from(["limit", "cursor", "condition", "category", "red_flag", "recommendation", "other"])
    values = st.one_of(
        st.sampled_from(["1", "2", "20", "100", "101", "0", "007", "-1", "ten", "true", "false", "yes", "1.5"]),
        st.sampled_from(["back-spasms", "Back", "injury", "self_care", "medication", "activity", "YWZ0ZXI6aWNl"]),
        st.sampled_from(["recommended", "consider", "not_recommended", "Consider", "advised"]),
        TEXT,
    )
    query = draw(st.lists(st.tuples(names, values), max_size=4))
    headers = {
        "accept": draw(
            st.sampled_from(
                [
                    "",
                    "application/json",
                    "application/ld+json",
                    "APPLICATION/LD+JSON",
                    "*/*",
                    "application/ld+json;q=0",
                    "application/ld+json;q=0.5, application/json",
                    "application/json;q=0.1, application/ld+json;q=0.2",
                    "application/ld+json;q=x",
                ]
            )
        ),
        "accept-encoding": draw(st.sampled_from(["", "gzip", "gzip;q=0", "br, gzip", "identity"])),
        "if-none-match": draw(st.sampled_from(["", "*", '"nope"', 'W/"x"'])),
    }
    target = path + ("?" + urlencode(query) if query else "")
    return target, {name: value for name, value in headers.items() if value}


@st.composite
def triage_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    questions = st.sampled_from(["fever", "age", "chest_pain", "pregnant", "pain_severity", "nope"])
    answers = st.one_of(st.booleans(), st.integers(-5, 200), st.sampled_from(["unsure", "yes", None]))
    document: dict[str, Any] = {"answers": draw(st.dictionaries(questions, answers, max_size=5))}
    if draw(st.booleans()):
        document["region"] = draw(st.sampled_from(["GB", "US", "FR", None]))
    body = json.dumps(document).encode()
    if draw(st.booleans()):
        body = body.replace(b"{", b'{"answers": {}, ', 1)  # a key given twice
    return body, draw(st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]))


def contract(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    return (
        response.status_code,
        response.content,
        {h: response.headers[h] for h in CONTRACT_HEADERS if h in response.headers},
    )


Apps = tuple[Any, Any]


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory: pytest.TempPathFactory) -> Apps:
    """The app with its fast path, and without, on one seeded database, content loaded."""
    url = f"sqlite:///{tmp_path_factory.mktemp('agreement') / 'content.db'}"
    migrate_and_seed(url)
    common: dict[str, Any] = {"database_url": url, "rate_limit_anonymous_per_minute": 1_000_000}
    apps = (create_app(Settings(**common)), create_app(Settings(**common, fast_path_enabled=False)))
    for app in apps:
        api_of(app).state.services.snapshots.refresh()
    return apps


def both(apps: Apps, method: str, target: str, **options: Any) -> list[tuple[int, bytes, dict[str, str]]]:
    """The same request to each app."""

    async def send() -> list[tuple[int, bytes, dict[str, str]]]:
        answers = []
        for app in apps:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                answers.append(contract(await client.request(method, target, **options)))
        return answers

    return asyncio.run(send())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=get_requests())
def test_any_get_gets_the_same_answer_both_ways(both_paths: Apps, request: tuple[str, dict[str, str]]) -> None:
    target, headers = request
    fast, routed = both(both_paths, "GET", target, headers=headers)
    assert fast == routed, target


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=triage_bodies())
def test_any_triage_post_gets_the_same_answer_both_ways(both_paths: Apps, request: tuple[bytes, str]) -> None:
    body, content_type = request
    fast, routed = both(both_paths, "POST", "/v1/triage", content=body, headers={"content-type": content_type})
    assert fast == routed, body


def test_a_matching_etag_gets_the_same_304_both_ways(both_paths: Apps) -> None:
    for target in ("/v1/conditions/back-spasms", "/v1/treatments?limit=2&category=self_care"):
        etag = both(both_paths, "GET", target)[0][2]["etag"]
        fast, routed = both(both_paths, "GET", target, headers={"if-none-match": etag})
        assert fast == routed
        assert fast[0] == 304
