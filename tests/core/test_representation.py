"""The HTTP behaviour every GET route shares: ETags and 304s, Cache-Control, gzip and Vary, CORS, request ids."""

import gzip
from collections.abc import Callable

import httpx
import pytest

from app.core.media import accepts
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

CACHEABLE = [
    "/v1/conditions",
    "/v1/conditions/back-spasms",
    "/v1/causes?category=injury",
    "/v1/causes/arthritis",
    "/v1/symptoms?red_flag=true",
    "/v1/symptoms/fever",
    "/v1/treatments",
    "/v1/treatments/heat",
    "/v1/sources",
    "/v1/sources/nice-ng59",
    "/openapi.json",
    "/docs",
]
PUBLIC_CACHE = "public, max-age=300, stale-while-revalidate=86400"
IDENTITY = {"accept-encoding": "identity"}


@pytest.mark.parametrize("url", [*CACHEABLE, "/healthz", "/readyz"])
async def test_strong_etag_and_matching_304(client: httpx.AsyncClient, url: str) -> None:
    first = await client.get(url, headers=IDENTITY)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    again = await client.get(url, headers={**IDENTITY, "if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    for header in ("etag", "cache-control", "vary"):
        assert again.headers[header] == first.headers[header]
    assert "content-type" not in again.headers


@pytest.mark.parametrize("url", CACHEABLE)
async def test_public_cache_control(client: httpx.AsyncClient, url: str) -> None:
    assert (await client.get(url)).headers["cache-control"] == PUBLIC_CACHE


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
async def test_probes_are_not_cached(client: httpx.AsyncClient, url: str) -> None:
    assert (await client.get(url)).headers["cache-control"] == "no-store"


async def test_if_none_match_forms(client: httpx.AsyncClient) -> None:
    url = "/v1/treatments/heat"
    etag = (await client.get(url, headers=IDENTITY)).headers["etag"]
    for value in ("*", f'"nope", {etag}', f"W/{etag}"):
        assert (await client.get(url, headers={**IDENTITY, "if-none-match": value})).status_code == 304
    assert (await client.get(url, headers={**IDENTITY, "if-none-match": '"nope"'})).status_code == 200


async def test_etag_changes_with_the_representation(client: httpx.AsyncClient) -> None:
    tags = {
        (await client.get(url, headers=IDENTITY)).headers["etag"]
        for url in ("/v1/treatments/heat", "/v1/treatments/ice", "/v1/treatments", "/v1/treatments?limit=2")
    }
    assert len(tags) == 4


async def test_gzip_when_accepted(client: httpx.AsyncClient) -> None:
    plain = await client.get("/v1/conditions/back-spasms", headers=IDENTITY)
    packed = await client.get("/v1/conditions/back-spasms", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept, Accept-Encoding"
    assert packed.headers["etag"] != plain.headers["etag"]
    assert int(packed.headers["content-length"]) < int(plain.headers["content-length"])
    assert packed.content == plain.content  # httpx decodes the gzip body
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content
    refused = await client.get("/v1/conditions/back-spasms", headers={"accept-encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers
    # The ETag of either variant revalidates.
    for etag in (plain.headers["etag"], packed.headers["etag"]):
        again = await client.get(
            "/v1/conditions/back-spasms", headers={"accept-encoding": "gzip", "if-none-match": etag}
        )
        assert again.status_code == 304


async def test_small_bodies_are_not_compressed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers


@pytest.mark.parametrize("url", ["/v1/conditions/back-spasms", "/v1/treatments?limit=2", "/v1/nothing", "/readyz"])
async def test_cors_on_every_response(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url, headers={"origin": "https://clinic.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == (
        "ETag, Link, RateLimit, RateLimit-Policy, Retry-After, X-Request-ID"
    )
    assert "access-control-allow-credentials" not in response.headers


async def test_cors_preflight(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/v1/conditions",
        headers={
            "origin": "https://clinic.example",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert "If-None-Match" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "86400"


@pytest.mark.parametrize("url", ["/v1/conditions/back-spasms", "/v1/causes?limit=1", "/v1/nope", "/healthz"])
async def test_request_id_is_echoed_when_sane(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url, headers={"x-request-id": "abc-123.DEF:9_z"})
    assert response.headers["x-request-id"] == "abc-123.DEF:9_z"


@pytest.mark.parametrize("sent", ["", "has space", "x" * 129, "semi;colon", "é"])
async def test_request_id_is_replaced_when_not_sane(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.get("/v1/conditions", headers=[(b"x-request-id", sent.encode())])
    generated = response.headers["x-request-id"]
    assert generated != sent
    assert len(generated) == 32
    assert int(generated, 16) >= 0


async def test_each_response_gets_its_own_request_id(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/v1/conditions")).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


# A sample value for each path parameter of a GET route, and the queries some routes need to answer 200.
SAMPLE_SLUGS = {
    "conditions": "back-spasms",
    "causes": "arthritis",
    "symptoms": "fever",
    "treatments": "heat",
    "sources": "nice-ng59",
}
SAMPLE_QUERIES = {
    "/v1/search": "?q=heat",
    "/v1/infobutton": "?mainSearchCriteria.v.cs=2.16.840.1.113883.6.90&mainSearchCriteria.v.c=M6283",
}
# The same representation: HEAD sends what GET would, without the body.
SAME_HEADERS = ("content-type", "content-length", "etag", "cache-control", "vary", "content-encoding", "link")


def sample_url(template: str) -> str:
    """A URL of the template that names something that exists in the seed."""
    parts = template.strip("/").split("/")
    if "{collection}" in parts:  # /guide/{collection}/{slug}
        return "/guide/conditions/back-spasms"
    for index, part in enumerate(parts):
        if part == "{slug}":
            parts[index] = SAMPLE_SLUGS[parts[index - 1]]
        elif part.startswith("{"):
            parts[index] = "00000000-0000-0000-0000-000000000000"  # a well-formed id that names nothing
    return "/" + "/".join(parts) + SAMPLE_QUERIES.get(template, "")


async def test_head_answers_wherever_get_does(fresh_url: str, key_for: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {key_for('admin')}", "Accept-Encoding": "gzip"}
    async with serve(fresh_url) as client:
        schema = (await client.get("/openapi.json")).json()
        templates = [path for path, item in schema["paths"].items() if "get" in item]
        assert len(templates) == 39
        for url in [*map(sample_url, templates), "/openapi.json", "/docs"]:
            get = await client.get(url, headers=headers)
            head = await client.head(url, headers=headers)
            assert head.status_code == get.status_code != 405, url
            assert head.content == b"", url
            if url != "/metrics":  # its figures move between the two calls
                assert {h: head.headers.get(h) for h in SAME_HEADERS} == {
                    h: get.headers.get(h) for h in SAME_HEADERS
                }, url
            assert head.headers["x-request-id"] != get.headers["x-request-id"]
        cached = await client.get("/v1/causes", headers=headers)
        not_modified = await client.head("/v1/causes", headers={**headers, "If-None-Match": cached.headers["etag"]})
        assert not_modified.status_code == 304
        refused = await client.post("/v1/causes", headers=headers)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/*", False),
        ("application/ld+json", True),
        (b"application/ld+json", True),
        ("Application/LD+JSON ; Q=1", True),
        ("application/ld+json;q=0", False),
        (b"application/ld+json;q=0.0", False),
        ("application/ld+json;q=0.001", True),
        ("application/ld+json;q=0.5, application/json", False),
        ("application/ld+json, application/json", True),  # a tie goes to the one named on request
        ("application/json;q=0.3, application/ld+json;q=0.4", True),
        ("application/ld+json;q=0.4, application/*;q=0.5", False),
        ("application/ld+json;q=0.4, application/*;q=0.5, application/json;q=0.1", True),
        ("application/ld+json;q=0.1, */*;q=0.9", False),
        ("application/ld+json;q=2", False),
        ("application/ld+json;q=x", False),
        ("application/ld+jsonx, text/application/ld+json", False),
    ],
)
def test_accepts_weighs_q_values(accept: str | bytes | None, wanted: bool) -> None:
    assert accepts(accept, "application/ld+json") is wanted
