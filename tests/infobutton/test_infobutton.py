"""GET /v1/infobutton, replaying the request shapes MedlinePlus Connect documents for problem codes
(https://medlineplus.gov/medlineplus-connect/web-service/): an EHR set up for it can point here."""

from xml.etree import ElementTree

import httpx
import pytest

pytestmark = pytest.mark.anyio
ATOM = "{http://www.w3.org/2005/Atom}"
ICD10CM, SNOMED, ICD9CM = "2.16.840.1.113883.6.90", "2.16.840.1.113883.6.96", "2.16.840.1.113883.6.103"


def feed_titles(xml: bytes) -> list[str]:
    feed = ElementTree.fromstring(xml)
    assert feed.tag == f"{ATOM}feed"
    return [entry.findtext(f"{ATOM}title") or "" for entry in feed.iter(f"{ATOM}entry")]


async def test_icd_10_cm_request_gets_an_atom_feed(client: httpx.AsyncClient) -> None:
    # The documented shape: code system, code, display name and language; XML (Atom) by default.
    response = await client.get(
        "/v1/infobutton",
        params={
            "mainSearchCriteria.v.cs": ICD10CM,
            "mainSearchCriteria.v.c": "M62.830",
            "mainSearchCriteria.v.dn": "Muscle spasm of back",
            "informationRecipient.languageCode.c": "en",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert feed_titles(response.content) == ["Back spasms"]
    feed = ElementTree.fromstring(response.content)
    entry = next(feed.iter(f"{ATOM}entry"))
    links = {link.get("rel"): link.get("href") for link in entry.iter(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/guide/conditions/back-spasms"
    assert links["related"] == "http://testserver/v1/conditions/back-spasms"
    assert entry.findtext(f"{ATOM}summary") == (await client.get("/v1/conditions/back-spasms")).json()["summary"]
    categories = {c.get("scheme"): c.get("term") for c in feed.iter(f"{ATOM}category")}
    assert categories["mainSearchCriteria.v.c"] == "M62.830"
    assert categories["informationRecipient"] == "PAT"


async def test_json_response_has_medlineplus_connect_shape(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/infobutton",
        params={
            "mainSearchCriteria.v.cs": ICD10CM,
            "mainSearchCriteria.v.c": "R50.9",
            "knowledgeResponseType": "application/json",
        },
    )
    assert response.status_code == 200
    feed = response.json()["feed"]
    assert {"base", "lang", "title", "updated", "id", "author", "subtitle", "category", "entry"} <= set(feed)
    assert feed["title"]["_value"] == "Back-pain guidance"
    assert feed["subtitle"]["_value"] == "Results for ICD-10-CM R50.9"
    [entry] = feed["entry"]
    assert entry["title"] == {"_value": "Back pain with a high temperature", "type": "text"}
    assert entry["link"][0]["rel"] == "alternate"
    assert entry["summary"]["_value"] == (await client.get("/v1/symptoms/fever")).json()["summary"]
    assert [link["href"] for link in entry["source"]["link"]] == [
        "https://www.nhs.uk/conditions/back-pain/",
        "https://cks.nice.org.uk/topics/back-pain-low-without-radiculopathy/",
    ]


async def test_the_condition_comes_first_and_a_parent_code_finds_it(client: httpx.AsyncClient) -> None:
    params = {"mainSearchCriteria.v.cs": ICD10CM, "mainSearchCriteria.v.c": "M6283"}
    assert feed_titles((await client.get("/v1/infobutton", params=params)).content) == ["Back spasms"]


@pytest.mark.parametrize(
    "params",
    [
        {"mainSearchCriteria.v.cs": ICD10CM, "mainSearchCriteria.v.c": "J45.40", "mainSearchCriteria.v.dn": "Asthma"},
        {"mainSearchCriteria.v.cs": SNOMED, "mainSearchCriteria.v.c": "195967001"},
        {"mainSearchCriteria.v.cs": ICD9CM, "mainSearchCriteria.v.c": "724.2"},  # a system we hold no codes in
        {"mainSearchCriteria.v.cs": ICD10CM, "mainSearchCriteria.v.c": "M62.830", "informationRecipient": "PROV"},
    ],
)
async def test_unknown_codes_get_an_empty_feed_not_an_error(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get("/v1/infobutton", params={**params, "knowledgeResponseType": "application/json"})
    assert response.status_code == 200
    known = params["mainSearchCriteria.v.c"] == "M62.830"
    assert bool(response.json()["feed"]["entry"]) is known


async def test_spanish_request_is_answered_in_english_and_says_so(client: httpx.AsyncClient) -> None:
    params = {
        "mainSearchCriteria.v.cs": ICD10CM,
        "mainSearchCriteria.v.c": "M62.830",
        "informationRecipient.languageCode.c": "es",
        "knowledgeResponseType": "application/json",
    }
    feed = (await client.get("/v1/infobutton", params=params)).json()["feed"]
    assert feed["lang"] == "en"
    assert [e["title"]["_value"] for e in feed["entry"]] == ["Back spasms"]


async def test_name_only_request_searches(client: httpx.AsyncClient) -> None:
    params = {"mainSearchCriteria.v.dn": "back spasms", "knowledgeResponseType": "application/json"}
    titles = [e["title"]["_value"] for e in (await client.get("/v1/infobutton", params=params)).json()["feed"]["entry"]]
    assert "Back spasms" in titles
    assert all(not title.startswith("Renova") for title in titles)  # sources are not guidance


async def test_text_html_redirects_to_the_best_page(client: httpx.AsyncClient) -> None:
    params = {
        "mainSearchCriteria.v.cs": ICD10CM,
        "mainSearchCriteria.v.c": "M62.830",
        "knowledgeResponseType": "text/html",
    }
    response = await client.get("/v1/infobutton", params=params)
    assert response.status_code == 303
    assert response.headers["location"] == "/guide/conditions/back-spasms"
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<h1>Back spasms</h1>" in page.text
    assert '<script type="application/ld+json">' in page.text
    nothing = await client.get("/v1/infobutton", params={**params, "mainSearchCriteria.v.c": "J45.40"})
    assert nothing.status_code == 404
    assert nothing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({}, "mainSearchCriteria.v.c"),
        ({"mainSearchCriteria.v.c": "M62.830"}, "mainSearchCriteria.v.cs"),
        ({"mainSearchCriteria.v.cs": "ICD10CM", "mainSearchCriteria.v.c": "M62.830"}, "mainSearchCriteria.v.cs"),
        ({"mainSearchCriteria.v.cs": SNOMED, "mainSearchCriteria.v.c": "386661007"}, "mainSearchCriteria.v.c"),
        (
            {
                "mainSearchCriteria.v.cs": ICD10CM,
                "mainSearchCriteria.v.c": "M62.830",
                "knowledgeResponseType": "application/javascript",
            },
            "knowledgeResponseType",
        ),
        (
            {"mainSearchCriteria.v.cs": ICD10CM, "mainSearchCriteria.v.c": "M62.830", "informationRecipient": "NURSE"},
            "informationRecipient",
        ),
        ({"mainSearchCriteria.v.dn": "back\x00"}, "mainSearchCriteria.v.dn"),
    ],
)
async def test_bad_parameters_get_a_422_problem(client: httpx.AsyncClient, params: dict[str, str], where: str) -> None:
    response = await client.get("/v1/infobutton", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", where]
