"""GET /v1/search: word forms, ranking, filters and bad input."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def hits(client: httpx.AsyncClient, **params: str | int) -> list[tuple[str, str]]:
    response = await client.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    return [(hit["type"], hit["slug"]) for hit in response.json()["data"]]


async def test_word_forms_match(client: httpx.AsyncClient) -> None:
    # "walk" is in the text as "walking"; "stretching" finds "stretches", "stretched" and "stretching".
    assert await hits(client, q="walk") == [
        ("symptom", "child-walking-problem"),
        ("symptom", "leg-weakness-worsening"),
        ("symptom", "leg-weakness-new"),
        ("treatment", "exercise-programme"),
        ("treatment", "keep-active"),
        ("source", "nice-cks-childhood-limp"),
    ]
    assert await hits(client, q="stretching") == [
        ("treatment", "gentle-stretching"),
        ("cause", "muscle-strain"),
        ("treatment", "traction"),
        ("treatment", "exercise-programme"),
        ("treatment", "keep-active"),
        ("cause", "sprain"),
    ]


async def test_names_rank_above_bodies(client: httpx.AsyncClient) -> None:
    # "golf" is in the name of one cause and only in the body of nothing else; "ice" names one item.
    assert (await hits(client, q="ice"))[0] == ("treatment", "ice")
    found = await hits(client, q="bladder")
    assert found == [("symptom", "bladder-or-bowel-change"), ("source", "nhs-cauda-equina"), ("source", "nhs-uti")]


async def test_every_word_must_match(client: httpx.AsyncClient) -> None:
    assert await hits(client, q="pain lower abdomen") == [("symptom", "pain-spreads-to-abdomen")]
    assert await hits(client, q="pain lower tummy") == [
        ("symptom", "pain-spreads-to-abdomen"),
        ("treatment", "cortisone-injections"),
    ]


async def test_hit_shape(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/search", params={"q": "golf"})).json()
    assert body == {
        "data": [
            {
                "type": "cause",
                "slug": "sports-with-sudden-movements",
                "name": "Sports with sudden movements, such as golf or football",
                "summary": "Sports with quick, strong movements, such as golf and football, often strain the back "
                "and bring on a spasm.",
            }
        ]
    }


async def test_type_and_limit(client: httpx.AsyncClient) -> None:
    everything = await hits(client, q="pain", limit=100)
    kinds = [kind for kind, _ in everything]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "symptom": 30,
        "treatment": 27,
        "source": 13,
        "condition": 1,
    }
    # Items naming pain come first, the 16 red flags among them before the rest of them.
    assert everything[:2] == [("symptom", "chest-pain"), ("symptom", "constant-night-pain")]
    flagged = await client.get("/v1/symptoms", params={"red_flag": "true", "limit": 100})
    red_flags = {item["slug"] for item in flagged.json()["data"]}
    assert [slug in red_flags for _, slug in everything[:17]] == [True] * 16 + [False]
    only = await hits(client, q="pain", type="treatment", limit=100)
    assert only == [hit for hit in everything if hit[0] == "treatment"]
    assert await hits(client, q="pain", limit=3) == everything[:3]


async def test_nothing_found_is_an_empty_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/search", params={"q": "xylophone"})
    assert response.status_code == 200
    assert response.json() == {"data": []}
    assert (await client.get("/v1/search", params={"q": "%%%"})).json() == {"data": []}


async def test_cached_like_every_get(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/search", params={"q": "heat"})
    again = await client.get("/v1/search", params={"q": "heat"}, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert first.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=86400"


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({}, ["query", "q"]),
        ({"q": ""}, ["query", "q"]),
        ({"q": "a" * 201}, ["query", "q"]),
        ({"q": "pain", "type": "article"}, ["query", "type"]),
        ({"q": "pain", "limit": 0}, ["query", "limit"]),
        ({"q": "pain", "limit": 101}, ["query", "limit"]),
    ],
)
async def test_bad_input_is_422(client: httpx.AsyncClient, params: dict[str, str | int], loc: list[str]) -> None:
    response = await client.get("/v1/search", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == loc


@pytest.mark.parametrize("q", ["a\x00b", "ice\x00", "\x00"])
async def test_nul_bytes_are_bad_input(client: httpx.AsyncClient, q: str) -> None:
    response = await client.get("/v1/search", params={"q": q})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "q"]
