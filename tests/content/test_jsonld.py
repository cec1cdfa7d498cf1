"""schema.org JSON-LD on item details: `Accept: application/ld+json`."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.helpers.apps import serve
from tests.helpers.content import CAUSES, RED_FLAGS, SYMPTOMS, TREATMENTS

pytestmark = pytest.mark.anyio

LD = {"Accept": "application/ld+json"}


@pytest.fixture
async def licensed(seeded_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with its publisher and licence configured."""
    async with serve(
        seeded_url,
        publisher_name="Example Spine Clinic",
        publisher_url="https://clinic.example",
        content_license="https://creativecommons.org/licenses/by/4.0/",
    ) as http:
        yield http


async def names(client: httpx.AsyncClient, collection: str, slugs: list[str]) -> list[str]:
    return [(await client.get(f"/v1/{collection}/{slug}")).json()["name"] for slug in slugs]


async def test_condition_is_a_medical_web_page_about_a_medical_condition(licensed: httpx.AsyncClient) -> None:
    response = await licensed.get("/v1/conditions/back-spasms", headers=LD)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    page = response.json()
    plain = (await licensed.get("/v1/conditions/back-spasms")).json()
    assert page["@context"] == "https://schema.org"
    assert page["@type"] == "MedicalWebPage"
    assert page["lastReviewed"] == plain["last_reviewed"] == "2026-11-25"
    assert page["publisher"] == {
        "@type": "Organization",
        "name": "Example Spine Clinic",
        "url": "https://clinic.example",
    }
    assert page["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "reviewedBy" not in page  # the content records no reviewer
    about = page["about"]
    assert about["@type"] == "MedicalCondition"
    assert about["name"] == "Back spasms"
    assert [s["name"] for s in about["signOrSymptom"]] == [
        *await names(licensed, "symptoms", RED_FLAGS),
        *await names(licensed, "symptoms", SYMPTOMS),
    ]
    assert {s["@type"] for s in about["signOrSymptom"]} == {"MedicalSignOrSymptom"}
    assert [c["name"] for c in about["cause"]] == await names(licensed, "causes", CAUSES)
    assert {c["@type"] for c in about["cause"]} == {"MedicalCause"}
    # Advice a person follows (see a doctor, keep active, rest) is not a therapy: it is a HowToTip. What a
    # guideline advises against is no possible treatment, and is left out (TREATMENTS holds the others).
    advice = {"see-a-doctor", "keep-active", "rest", "stop-activity", "stay-in-work"}
    therapies = [slug for slug in TREATMENTS if slug not in advice]
    tips = [slug for slug in TREATMENTS if slug in advice]
    assert [t["name"] for t in about["possibleTreatment"]] == await names(licensed, "treatments", therapies)
    assert {t["@type"] for t in about["possibleTreatment"]} == {
        "MedicalTherapy",
        "DrugClass",
        "PhysicalTherapy",
        "PsychologicalTreatment",
    }
    assert [t["name"] for t in about["subjectOf"]] == await names(licensed, "treatments", tips)
    assert {t["@type"] for t in about["subjectOf"]} == {"HowToTip"}
    # The page and every entity name themselves: @id and url, on this server's pages.
    assert page["@id"] == page["url"] == "http://testserver/guide/conditions/back-spasms"
    assert about["@id"] == "http://testserver/guide/conditions/back-spasms#about"
    for entity in [*about["signOrSymptom"], *about["cause"], *about["possibleTreatment"], *about["subjectOf"]]:
        assert entity["@id"] == f"{entity['url']}#about"
        assert (await licensed.get(entity["url"].removeprefix("http://testserver"))).status_code == 200
    # Coded: the condition, and the red flags that have a code.
    assert about["code"] == [{"@type": "MedicalCode", "codeValue": "M62.830", "codingSystem": "ICD-10-CM"}]
    fever = next(s for s in about["signOrSymptom"] if s["url"].endswith("/symptoms/fever"))
    assert fever["code"] == [{"@type": "MedicalCode", "codeValue": "R50.9", "codingSystem": "ICD-10-CM"}]

    assert page["citation"] == [
        {
            "@type": "CreativeWork",
            "name": "Understanding and Treating Back Spasms",
            "alternateName": "Renova: back spasms",
            "publisher": {"@type": "Organization", "name": "Renova"},
            "abstract": (await licensed.get("/v1/sources/renova-back-spasms")).json()["summary"],
            "description": "Sections: Introduction",
        }
    ]
    assert page["creditText"] == "Written in our own words from: Renova, Understanding and Treating Back Spasms"


async def test_defaults_name_the_service_as_publisher_and_no_licence(client: httpx.AsyncClient) -> None:
    page = (await client.get("/v1/conditions/back-spasms", headers=LD)).json()
    assert page["publisher"] == {"@type": "Organization", "name": "Back-pain guidance API"}
    assert "license" not in page


@pytest.mark.parametrize(
    ("path", "about_type"),
    [
        ("/v1/causes/muscle-strain", "MedicalCause"),
        ("/v1/symptoms/muscle-tightening", "MedicalSignOrSymptom"),
        ("/v1/symptoms/saddle-numbness", "MedicalSignOrSymptom"),
        ("/v1/treatments/ice", "MedicalTherapy"),
    ],
)
async def test_item_details_give_their_schema_org_type(client: httpx.AsyncClient, path: str, about_type: str) -> None:
    plain = (await client.get(path)).json()
    page = (await client.get(path, headers=LD)).json()
    assert page["@type"] == "MedicalWebPage"
    assert page["about"]["@type"] == about_type
    assert page["about"]["name"] == plain["name"]
    assert page["about"]["identifier"] == plain["slug"]
    assert page["lastReviewed"] == plain["last_reviewed"]
    cited = list(dict.fromkeys(c["source"] for c in plain["sources"]))
    titles = [(await client.get(f"/v1/sources/{slug}")).json()["title"] for slug in cited]
    assert [c["name"] for c in page["citation"]] == titles


async def test_see_a_doctor_is_advice_not_a_therapy(client: httpx.AsyncClient) -> None:
    about = (await client.get("/v1/treatments/see-a-doctor", headers=LD)).json()["about"]
    assert about["@type"] == "HowToTip"
    assert about["text"] == (await client.get("/v1/treatments/see-a-doctor")).json()["summary"]


async def test_public_base_url_names_the_pages(seeded_url: str) -> None:
    async with serve(seeded_url, public_base_url="https://api.clinic.example") as http:
        page = (await http.get("/v1/symptoms/fever", headers=LD)).json()
    assert page["url"] == "https://api.clinic.example/guide/symptoms/fever"
    assert page["about"]["code"] == [{"@type": "MedicalCode", "codeValue": "R50.9", "codingSystem": "ICD-10-CM"}]


async def test_cause_names_the_condition_it_causes(client: httpx.AsyncClient) -> None:
    about = (await client.get("/v1/causes/muscle-strain", headers=LD)).json()["about"]
    assert [c["name"] for c in about["causeOf"]] == ["Back spasms"]
    assert {c["@type"] for c in about["causeOf"]} == {"MedicalCondition"}


async def test_red_flag_carries_its_action(client: httpx.AsyncClient) -> None:
    plain = (await client.get("/v1/symptoms/saddle-numbness")).json()
    about = (await client.get("/v1/symptoms/saddle-numbness", headers=LD)).json()["about"]
    assert about["potentialAction"] == {"@type": "Action", "description": plain["action"]}
    ordinary = (await client.get("/v1/symptoms/muscle-tightening", headers=LD)).json()["about"]
    assert "potentialAction" not in ordinary


async def test_source_is_a_creative_work(client: httpx.AsyncClient) -> None:
    work = (await client.get("/v1/sources/nhs-back-pain", headers=LD)).json()
    assert work == {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": "http://testserver/v1/sources/nhs-back-pain",
        "name": "Back pain",
        "alternateName": "NHS: back pain",
        "publisher": {"@type": "Organization", "name": "NHS"},
        "url": "https://www.nhs.uk/conditions/back-pain/",
        "abstract": (await client.get("/v1/sources/nhs-back-pain")).json()["summary"],
    }


async def test_json_ld_has_its_own_etag_and_revalidates(client: httpx.AsyncClient) -> None:
    plain = await client.get("/v1/conditions/back-spasms", headers={"Accept-Encoding": "identity"})
    linked = await client.get("/v1/conditions/back-spasms", headers={**LD, "Accept-Encoding": "identity"})
    assert plain.headers["vary"] == linked.headers["vary"] == "Accept, Accept-Encoding"
    assert plain.headers["etag"] != linked.headers["etag"]
    again = await client.get(
        "/v1/conditions/back-spasms",
        headers={**LD, "Accept-Encoding": "identity", "If-None-Match": linked.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["etag"] == linked.headers["etag"]
    assert again.content == b""


async def test_other_accept_values_keep_plain_json(client: httpx.AsyncClient) -> None:
    for accept in ("application/json", "*/*", "text/html,application/xhtml+xml"):
        response = await client.get("/v1/conditions/back-spasms", headers={"Accept": accept})
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json()["type"] == "condition"


async def test_unknown_slug_is_a_problem_not_json_ld(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/conditions/no-such-thing", headers=LD)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No condition has the slug 'no-such-thing'."


def _schema_org_loader(url: str, options: object = None) -> dict[str, object]:
    """schema.org's context, offline: its vocabulary, with `@id` and `url` as IRIs."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    context = {"@vocab": "https://schema.org/", "url": {"@type": "@id"}}
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": context}}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/conditions/back-spasms",
        "/v1/symptoms/fever",
        "/v1/treatments/see-a-doctor",
        "/v1/treatments/tens",
        "/v1/treatments/stay-in-work",
    ],
)
async def test_json_ld_expands_and_normalises_with_pyld(client: httpx.AsyncClient, path: str) -> None:
    from pyld import jsonld

    document = (await client.get(path, headers=LD)).json()
    options = {"documentLoader": _schema_org_loader}
    expanded = jsonld.expand(document, options)
    assert expanded[0]["@id"] == document["@id"]
    nquads = jsonld.normalize(document, {**options, "algorithm": "URDNA2015", "format": "application/n-quads"})
    assert (
        f"<{document['@id']}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/MedicalWebPage>"
        in nquads
    )
    if path.endswith("back-spasms"):
        assert '"M62.830"' in nquads
        assert "<https://schema.org/MedicalCode>" in nquads
    if path.endswith("tens"):
        assert "<https://schema.org/MedicalGuidelineContraindication>" in nquads
    if path.endswith("stay-in-work"):
        assert '<https://schema.org/recommendationStrength> "recommended"' in nquads


ACCEPT_Q = [
    ("application/ld+json;q=0", "application/json"),
    ("application/ld+json; q=0.000", "application/json"),
    ("application/json, application/ld+json;q=0.5", "application/json"),
    ("application/ld+json;q=0.4, application/json;q=0.5", "application/json"),
    ("application/ld+json;q=0.5, */*;q=0.1", "application/ld+json"),
    ("application/ld+json;q=0.9, application/json;q=0.5", "application/ld+json"),
    ('application/ld+json;profile="https://schema.org";q=0.8, application/*;q=0.2', "application/ld+json"),
    ("application/json;q=0, APPLICATION/LD+JSON", "application/ld+json"),
    ("application/ld+jsonx", "application/json"),
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(("accept", "answered"), ACCEPT_Q)
async def test_accept_q_values_choose_between_json_and_json_ld(
    seeded_url: str, fast: bool, accept: str, answered: str
) -> None:
    """A q of 0 refuses a type, and the higher q wins; the fast path and the routes alike."""
    async with serve(seeded_url, fast=fast) as client:
        response = await client.get("/v1/conditions/back-spasms", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{answered}; charset=utf-8"
