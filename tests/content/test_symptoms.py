"""GET /v1/symptoms and /v1/symptoms/{slug}, with the condition and red_flag filters."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_red_flag_filter_splits_the_list(client: httpx.AsyncClient) -> None:
    flags = (await client.get("/v1/symptoms?red_flag=true&limit=100")).json()["data"]
    others = (await client.get("/v1/symptoms?red_flag=false&limit=100")).json()["data"]
    assert [s["slug"] for s in others] == [
        "muscle-tightening",
        "pain-after-exertion",
        "restricted-movement",
        "sudden-sharp-pain",
    ]
    assert len(flags) == 30
    assert {s["urgency"] for s in flags} == {"emergency", "urgent"}
    assert sum(s["urgency"] == "emergency" for s in flags) == 11
    assert all(s["red_flag"] and s["action"] for s in flags)
    assert all(not s["red_flag"] and s["urgency"] is None and s["action"] is None for s in others)


async def test_red_flag_detail(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/symptoms/bladder-or-bowel-change")).json()
    assert body["type"] == "symptom"
    assert body["red_flag"] is True
    assert body["urgency"] == "emergency"
    assert body["action"] == "Call the emergency number now, or go straight to hospital."
    assert [c["source"] for c in body["sources"]] == [
        "nhs-cauda-equina",
        "girft-cauda-equina-2023",
        "nice-cks-low-back-pain",
    ]


async def test_abdominal_spread_is_an_urgent_red_flag_citing_the_article(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/symptoms/pain-spreads-to-abdomen")).json()
    assert body["urgency"] == "urgent"
    assert {"source": "renova-back-spasms", "locator": "Treatments of Back Spasms, paragraph 2"} in body["sources"]


async def test_framework_spellings_of_bool_are_accepted(client: httpx.AsyncClient) -> None:
    plain = (await client.get("/v1/symptoms?red_flag=true&limit=100")).json()
    assert (await client.get("/v1/symptoms?red_flag=1&limit=100")).json() == plain


async def test_bad_red_flag_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/symptoms?red_flag=maybe")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "red_flag"]
