"""Cursor pagination, Link headers and limits on every list."""

import base64

import httpx
import pytest

from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

COLLECTIONS = ["conditions", "causes", "symptoms", "treatments", "sources"]


async def walk(client: httpx.AsyncClient, url: str) -> list[str]:
    """Follow Link rel=next to the end, checking it agrees with next_cursor."""
    seen: list[str] = []
    while True:
        response = await client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [item["slug"] for item in body["data"]]
        if body["next_cursor"] is None:
            assert "link" not in response.headers
            return seen
        link = response.headers["link"]
        assert link.endswith('>; rel="next"')
        url = link[1 : link.index(">")]
        assert f"cursor={body['next_cursor']}" in url


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_pages_join_up_to_the_full_list(client: httpx.AsyncClient, collection: str) -> None:
    full = [item["slug"] for item in (await client.get(f"/v1/{collection}?limit=100")).json()["data"]]
    assert full == sorted(full)
    assert await walk(client, f"/v1/{collection}?limit=3") == full


async def test_default_limit_is_20(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/symptoms")).json()
    assert len(body["data"]) == 20
    assert body["next_cursor"] is not None
    rest = (await client.get(f"/v1/symptoms?cursor={body['next_cursor']}")).json()
    assert len(rest["data"]) == 14
    assert rest["next_cursor"] is None


async def test_link_keeps_the_filters(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/symptoms?red_flag=true&limit=5")
    assert response.headers["link"].startswith("</v1/symptoms?red_flag=true&limit=5&cursor=")
    assert len(await walk(client, "/v1/symptoms?red_flag=true&limit=5")) == 30
    response = await client.get("/v1/treatments?recommendation=not_recommended&category=medication&limit=2")
    assert response.headers["link"].startswith(
        "</v1/treatments?category=medication&recommendation=not_recommended&limit=2&cursor="
    )
    assert await walk(client, "/v1/treatments?recommendation=not_recommended&category=medication&limit=2") == [
        "antidepressants",
        "cortisone-injections",
        "gabapentin-and-pregabalin",
        "opioids-long-term",
        "paracetamol-alone",
    ]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5", ""])
async def test_bad_limit_is_422(client: httpx.AsyncClient, limit: str) -> None:
    response = await client.get(f"/v1/treatments?limit={limit}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["x", _b64("not-ours"), _b64("after:Bad Slug"), "A" * 5, _b64("after:")])
async def test_unreadable_cursor_is_400(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get(f"/v1/treatments?cursor={cursor}")
    assert response.status_code == 400
    assert response.json() == {
        "type": "urn:backpain:problem:bad-request",
        "title": "Bad Request",
        "status": 400,
        "detail": "The cursor is not valid; start again without one.",
    }


@pytest.mark.parametrize("cursor", ["a%00b", "a b", "é", "x" * 201])
async def test_malformed_cursor_is_422(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get("/v1/treatments", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


UNKNOWN = [
    ("conditions", "?red_flag=true", "red_flag", "limit, cursor, code"),
    ("causes", "?condition=back-spasms&colour=red", "colour", "limit, cursor, condition, category, code"),
    ("symptoms", "?redflag=true&limit=5", "redflag", "limit, cursor, condition, red_flag, code"),
    ("treatments", "?Category=self_care", "Category", "limit, cursor, condition, category, recommendation, code"),
    ("sources", "?condition=back-spasms", "condition", "limit, cursor"),
    ("sources", "?api_key=bpk_x", "api_key", "limit, cursor"),
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(("collection", "query", "name", "taken"), UNKNOWN)
async def test_an_unknown_parameter_is_a_422_naming_it(
    seeded_url: str, fast: bool, collection: str, query: str, name: str, taken: str
) -> None:
    async with serve(seeded_url, fast=fast) as client:
        response = await client.get(f"/v1/{collection}{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"] == f"This list has no parameter '{name}'; see errors."
    assert problem["errors"] == [{"loc": ["query", name], "msg": f"not a parameter of this list; it takes {taken}"}]


@pytest.mark.parametrize("fast", [True, False])
async def test_every_documented_parameter_is_taken(seeded_url: str, fast: bool) -> None:
    """What the widget sends, and every filter each list documents."""
    icd = "http://hl7.org/fhir/sid/icd-10-cm|M62.830"
    async with serve(seeded_url, fast=fast) as client:
        for url in [
            "/v1/causes?condition=back-spasms&limit=100",
            "/v1/sources?limit=100",
            f"/v1/conditions?code={icd}&limit=1&cursor=YWZ0ZXI6YQ",
            "/v1/causes?condition=back-spasms&category=injury&code=" + icd,
            f"/v1/symptoms?condition=back-spasms&red_flag=true&code={icd}",
            f"/v1/treatments?condition=back-spasms&category=self_care&recommendation=consider&code={icd}",
        ]:
            assert (await client.get(url)).status_code == 200, url
