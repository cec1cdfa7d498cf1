"""GET /v1/causes and /v1/causes/{slug}, with the condition and category filters."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def slugs(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get(f"/v1/causes{query}")
    assert response.status_code == 200
    return [item["slug"] for item in response.json()["data"]]


async def test_list_is_ordered_by_slug(client: httpx.AsyncClient) -> None:
    assert await slugs(client, "") == [
        "arthritis",
        "muscle-strain",
        "pulling-pushing-twisting",
        "repeated-strain",
        "sports-with-sudden-movements",
        "sprain",
        "underlying-back-condition",
        "weak-abdominal-muscles",
    ]


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("injury", ["muscle-strain", "sprain"]),
        ("activity", ["pulling-pushing-twisting", "repeated-strain", "sports-with-sudden-movements"]),
        ("risk_factor", ["weak-abdominal-muscles"]),
        ("underlying_condition", ["arthritis", "underlying-back-condition"]),
    ],
)
async def test_category_filter(client: httpx.AsyncClient, category: str, expected: list[str]) -> None:
    assert await slugs(client, f"?category={category}") == expected


async def test_condition_filter(client: httpx.AsyncClient) -> None:
    assert len(await slugs(client, "?condition=back-spasms")) == 8
    assert await slugs(client, "?condition=sciatica") == []
    assert await slugs(client, "?condition=back-spasms&category=risk_factor") == ["weak-abdominal-muscles"]


async def test_detail(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/causes/sports-with-sudden-movements")).json()
    assert body["type"] == "cause"
    assert body["category"] == "activity"
    assert body["conditions"] == ["back-spasms"]
    assert body["name"] == "Sports with sudden movements, such as golf or football"
    assert "golf" in body["body"]
    assert "football" in body["body"]
    assert body["sources"] == [
        {"source": "renova-back-spasms", "locator": "Back Spasms: Causes and Symptoms, paragraph 1"}
    ]


@pytest.mark.parametrize("query", ["?category=self_care", "?category=INJURY", "?category="])
async def test_unknown_category_is_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/v1/causes{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "category"]


async def test_code_filter_is_applied(client: httpx.AsyncClient) -> None:
    """No seeded cause is coded: a code finds none, instead of every cause."""
    assert await slugs(client, "?code=http://hl7.org/fhir/sid/icd-10-cm|M62.830") == []
    refused = await client.get("/v1/causes", params={"code": "M62.830"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "code"]
