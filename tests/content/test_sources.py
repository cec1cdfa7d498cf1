"""GET /v1/sources and /v1/sources/{slug}."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_list(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/sources?limit=100")).json()
    assert [s["slug"] for s in body["data"]] == [
        "acp-2017-low-back-pain",
        "girft-cauda-equina-2023",
        "nhs-111",
        "nhs-aortic-aneurysm",
        "nhs-aortic-dissection",
        "nhs-back-pain",
        "nhs-back-pain-pregnancy",
        "nhs-cauda-equina",
        "nhs-heart-attack",
        "nhs-kidney-infection",
        "nhs-pre-eclampsia",
        "nhs-sepsis",
        "nhs-shingles",
        "nhs-uti",
        "nice-cks-childhood-limp",
        "nice-cks-low-back-pain",
        "nice-cks-sciatica",
        "nice-ng143",
        "nice-ng234",
        "nice-ng41",
        "nice-ng59",
        "nice-ng65",
        "renova-back-spasms",
    ]


async def test_sources_the_triage_rules_cite_link_to_the_page_itself(client: httpx.AsyncClient) -> None:
    """Each links to the page it names, not to a news item about it."""
    urls = {
        "nhs-heart-attack": "https://www.nhs.uk/conditions/heart-attack/",
        "nhs-pre-eclampsia": "https://www.nhs.uk/conditions/pre-eclampsia/",
        "nhs-kidney-infection": "https://www.nhs.uk/conditions/kidney-infection/",
        "nhs-uti": "https://www.nhs.uk/conditions/urinary-tract-infections-utis/",
        "nhs-shingles": "https://www.nhs.uk/conditions/shingles/",
        "nhs-111": "https://www.nhs.uk/nhs-services/urgent-and-emergency-care-services/when-to-use-111/",
        "nice-ng65": "https://www.nice.org.uk/guidance/ng65",
        "nice-ng41": "https://www.nice.org.uk/guidance/ng41",
        "nice-ng234": "https://www.nice.org.uk/guidance/ng234",
        "nice-ng143": "https://www.nice.org.uk/guidance/ng143",
        "nice-cks-childhood-limp": "https://cks.nice.org.uk/topics/acute-childhood-limp/",
    }
    for slug, url in urls.items():
        assert (await client.get(f"/v1/sources/{slug}")).json()["url"] == url, slug


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
    known = {s["slug"] for s in (await client.get("/v1/sources?limit=100")).json()["data"]}
    for collection in ("conditions", "causes", "symptoms", "treatments"):
        for item in (await client.get(f"/v1/{collection}?limit=100")).json()["data"]:
            assert item["sources"], item["slug"]
            assert {c["source"] for c in item["sources"]} <= known
