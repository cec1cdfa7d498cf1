"""GET /v1/sources and /v1/sources/{slug}."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_list(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/sources")).json()
    assert [s["slug"] for s in body["data"]] == [
        "acp-2017-low-back-pain",
        "girft-cauda-equina-2023",
        "nhs-aortic-aneurysm",
        "nhs-aortic-dissection",
        "nhs-back-pain",
        "nhs-back-pain-pregnancy",
        "nhs-cauda-equina",
        "nhs-sepsis",
        "nice-cks-low-back-pain",
        "nice-cks-sciatica",
        "nice-ng59",
        "renova-back-spasms",
    ]


async def test_article_bibliography_and_what_it_is_cited_for(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/sources/renova-back-spasms")).json()
    assert body["type"] == "source"
    assert body["title"] == "Understanding and Treating Back Spasms"
    assert body["publisher"] == "Renova"
    assert body["url"] is None
    assert {"type": "condition", "slug": "back-spasms", "locator": "Introduction"} in body["cited_for"]
    cited = {(c["type"], c["slug"]) for c in body["cited_for"]}
    assert ("treatment", "ice") in cited
    assert ("cause", "weak-abdominal-muscles") in cited
    assert len(cited) == 26


async def test_every_citation_resolves(client: httpx.AsyncClient) -> None:
    known = {s["slug"] for s in (await client.get("/v1/sources")).json()["data"]}
    for collection in ("conditions", "causes", "symptoms", "treatments"):
        for item in (await client.get(f"/v1/{collection}?limit=100")).json()["data"]:
            assert item["sources"], item["slug"]
            assert {c["source"] for c in item["sources"]} <= known
