"""What a guideline says of each treatment: `recommendation` on the item, its filter, JSON-LD, page and sync."""

from pathlib import Path

import httpx
import pytest

from seed.loader import SEED_FILE, read_seed
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

LD = {"Accept": "application/ld+json"}
RECOMMENDED = ["gentle-stretching", "heat", "keep-active", "see-a-doctor", "stay-in-work", "stop-activity"]
CONSIDER = [
    "chiropractic-care",
    "exercise-programme",
    "ice",
    "manual-therapy",
    "muscle-relaxants",
    "nsaids",
    "physical-therapy",
    "psychological-therapy",
    "rest",
]
# What NICE NG59 advises against, and the recommendation that says so.
NOT_RECOMMENDED = {
    "acupuncture": "Recommendation 1.2.8 (acupuncture)",
    "antidepressants": "Recommendation 1.2.27 (antidepressants for low back pain)",
    "compression": "Recommendation 1.2.3 (belts or corsets)",
    "cortisone-injections": "Recommendation 1.3.1 (spinal injections)",
    "gabapentin-and-pregabalin": "Recommendations 1.2.16 (sciatica) and 1.2.28 (low back pain)",
    "interferential-therapy": "Recommendation 1.2.12 (interferential therapy)",
    "opioids-long-term": "Recommendation 1.2.26 (opioids for chronic low back pain)",
    "paracetamol-alone": "Recommendation 1.2.24 (paracetamol alone)",
    "routine-imaging": "Recommendation 1.1.4 (imaging)",
    "tens": "Recommendation 1.2.11 (TENS)",
    "therapeutic-ultrasound": "Recommendation 1.2.9 (ultrasound)",
    "traction": "Recommendation 1.2.6 (traction)",
}


async def treatments(client: httpx.AsyncClient, query: str = "") -> list[dict[str, object]]:
    response = await client.get(f"/v1/treatments?limit=100{query}")
    assert response.status_code == 200, response.text
    data: list[dict[str, object]] = response.json()["data"]
    return data


async def test_every_treatment_has_a_recommendation_whose_source_resolves_and_is_cited(
    client: httpx.AsyncClient,
) -> None:
    found = await treatments(client)
    assert len(found) == 27
    for item in found:
        cited = item["recommendation_source"]
        assert item["recommendation"] in ("recommended", "consider", "not_recommended"), item["slug"]
        assert isinstance(cited, dict)
        assert cited in item["sources"], item["slug"]  # type: ignore[operator]
        source = await client.get(f"/v1/sources/{cited['source']}")
        assert source.status_code == 200
        assert {"type": "treatment", "slug": item["slug"], "locator": cited["locator"]} in source.json()["cited_for"]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(
    ("value", "expected"),
    [("recommended", RECOMMENDED), ("consider", CONSIDER), ("not_recommended", sorted(NOT_RECOMMENDED))],
)
async def test_the_filter_takes_each_value(seeded_url: str, fast: bool, value: str, expected: list[str]) -> None:
    async with serve(seeded_url, fast=fast) as client:
        found = await treatments(client, f"&recommendation={value}")
    assert [item["slug"] for item in found] == expected
    assert {item["recommendation"] for item in found} == {value}


async def test_the_filter_combines_with_the_others(client: httpx.AsyncClient) -> None:
    found = await treatments(client, "&recommendation=not_recommended&category=self_care&condition=back-spasms")
    assert [item["slug"] for item in found] == ["compression", "tens"]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("value", ["maybe", "Not_Recommended", "", "advised", "recommended "])
async def test_an_unknown_value_is_a_422_problem(seeded_url: str, fast: bool, value: str) -> None:
    async with serve(seeded_url, fast=fast) as client:
        response = await client.get("/v1/treatments", params={"recommendation": value})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["status"]) == ("urn:backpain:problem:validation-error", 422)
    assert [error["loc"] for error in problem["errors"]] == [["query", "recommendation"]]
    assert "recommended" in problem["errors"][0]["msg"]


async def test_other_lists_do_not_take_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/symptoms?recommendation=consider")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "loc": ["query", "recommendation"],
            "msg": "not a parameter of this list; it takes limit, cursor, condition, red_flag, code",
        }
    ]


async def test_ng59_not_recommended_items_cite_their_recommendation(client: httpx.AsyncClient) -> None:
    for slug, locator in NOT_RECOMMENDED.items():
        item = (await client.get(f"/v1/treatments/{slug}")).json()
        assert item["recommendation"] == "not_recommended", slug
        assert item["recommendation_source"] == {"source": "nice-ng59", "locator": locator}
        assert item["conditions"] == ["back-spasms"]


@pytest.mark.parametrize(
    ("slug", "rating", "locator"),
    [
        ("exercise-programme", "consider", "Recommendation 1.2.2 (exercise programmes)"),
        ("manual-therapy", "consider", "Recommendation 1.2.7 (manual therapy, only with exercise)"),
        ("psychological-therapy", "consider", "Recommendation 1.2.13 (psychological therapy, only with exercise)"),
        ("stay-in-work", "recommended", "Recommendation 1.2.15 (return to work)"),
        ("keep-active", "recommended", "Recommendation 1.2.1 (self-management: keep to normal activities)"),
        ("nsaids", "consider", "Recommendations 1.2.20 to 1.2.22 (NSAIDs for low back pain)"),
    ],
)
async def test_what_ng59_suggests_first(client: httpx.AsyncClient, slug: str, rating: str, locator: str) -> None:
    item = (await client.get(f"/v1/treatments/{slug}")).json()
    assert (item["recommendation"], item["recommendation_source"]) == (
        rating,
        {"source": "nice-ng59", "locator": locator},
    )


async def test_sciatica_as_ng59_has_it(client: httpx.AsyncClient) -> None:
    nsaids = (await client.get("/v1/treatments/nsaids")).json()
    assert "For sciatica, pain that runs down the leg, the evidence that NSAIDs help is limited." in nsaids["body"]
    assert nsaids["when_to_use"].endswith("They may help less with sciatica.")
    relaxants = (await client.get("/v1/treatments/muscle-relaxants")).json()
    assert relaxants["summary"].endswith("They are not used for sciatica, pain that runs down the leg.")
    assert "NICE says not to use benzodiazepines, such as diazepam, for sciatica." in relaxants["body"]
    assert relaxants["when_to_use"].endswith("Not for sciatica.")
    assert {"source": "nice-ng59", "locator": "Recommendation 1.2.16 (sciatica: no benzodiazepines)"} in relaxants[
        "sources"
    ]


async def test_json_ld_marks_what_is_advised_against(client: httpx.AsyncClient) -> None:
    about = (await client.get("/v1/treatments/tens", headers=LD)).json()["about"]
    assert about["@type"] == "MedicalTherapy"
    assert about["guideline"] == {
        "@type": "MedicalGuidelineContraindication",
        "name": "Low back pain and sciatica in over 16s: assessment and management (NG59)",
        "url": "https://www.nice.org.uk/guidance/ng59",
        "description": "Not recommended: the guideline advises against it. NICE NG59, Recommendation 1.2.11 (TENS).",
        "recognizingAuthority": {
            "@type": "Organization",
            "name": "National Institute for Health and Care Excellence (NICE)",
        },
        "guidelineSubject": {"@id": "http://testserver/guide/treatments/tens#about"},
    }


async def test_json_ld_gives_the_strength_of_a_recommendation(client: httpx.AsyncClient) -> None:
    about = (await client.get("/v1/treatments/nsaids", headers=LD)).json()["about"]
    assert about["@type"] == "DrugClass"
    guideline = about["guideline"]
    assert guideline["@type"] == "MedicalGuidelineRecommendation"
    assert guideline["recommendationStrength"] == "consider"
    assert guideline["description"] == (
        "Consider: it may help some people. NICE NG59, Recommendations 1.2.20 to 1.2.22 (NSAIDs for low back pain)."
    )
    imaging = (await client.get("/v1/treatments/routine-imaging", headers=LD)).json()["about"]
    assert (imaging["@type"], imaging["guideline"]["@type"]) == ("ImagingTest", "MedicalGuidelineContraindication")


async def test_advice_pages_mention_the_guideline(client: httpx.AsyncClient) -> None:
    """A HowToTip is no medical entity, so `guideline` is not its to carry: the page mentions it."""
    page = (await client.get("/v1/treatments/stay-in-work", headers=LD)).json()
    assert page["about"]["@type"] == "HowToTip"
    assert "guideline" not in page["about"]
    assert page["mentions"] == [
        {
            "@type": "MedicalGuidelineRecommendation",
            "name": "Low back pain and sciatica in over 16s: assessment and management (NG59)",
            "url": "https://www.nice.org.uk/guidance/ng59",
            "description": "Recommended. NICE NG59, Recommendation 1.2.15 (return to work).",
            "recommendationStrength": "recommended",
            "recognizingAuthority": {
                "@type": "Organization",
                "name": "National Institute for Health and Care Excellence (NICE)",
            },
        }
    ]


async def test_the_condition_offers_no_treatment_advised_against(client: httpx.AsyncClient) -> None:
    about = (await client.get("/v1/conditions/back-spasms", headers=LD)).json()["about"]
    offered = {entity["url"].rsplit("/", 1)[1] for entity in [*about["possibleTreatment"], *about["subjectOf"]]}
    assert offered == set(RECOMMENDED) | set(CONSIDER)


async def test_pages_say_what_is_not_advised(client: httpx.AsyncClient) -> None:
    page = (await client.get("/guide/treatments/acupuncture")).text
    assert "<p class=warn><strong>Not advised:</strong> NICE NG59 advises against this" in page
    condition = (await client.get("/guide/conditions/back-spasms")).text
    helps, _, not_advised = condition.partition("<h2>What is not advised</h2>")
    assert "<strong>Traction:</strong>" in not_advised
    assert "<strong>Traction:</strong>" not in helps
    assert "<strong>Keep active:</strong>" in helps


async def test_export_and_changes_carry_it(client: httpx.AsyncClient) -> None:
    exported = (await client.get("/v1/export")).json()
    rated = {item["slug"]: item["recommendation"] for item in exported["data"] if item["type"] == "treatment"}
    assert rated["paracetamol-alone"] == "not_recommended"
    assert len(rated) == 27
    assert None not in rated.values()
    changes = (await client.get("/v1/changes?limit=1000")).json()["data"]
    upserts = {c["slug"]: c["item"] for c in changes if c["type"] == "treatment" and c["action"] == "upsert"}
    assert upserts["tens"]["recommendation_source"] == {"source": "nice-ng59", "locator": NOT_RECOMMENDED["tens"]}


async def test_openapi_documents_the_field_and_the_filter(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    treatment = schema["components"]["schemas"]["TreatmentPublic"]["properties"]
    assert treatment["recommendation"]["examples"] == ["consider", "not_recommended"]
    assert "recommendation_source" in treatment
    parameters = schema["paths"]["/v1/treatments"]["get"]["parameters"]
    (found,) = [p for p in parameters if p.get("name") == "recommendation"]
    enum = schema["components"]["schemas"]["Recommendation"]["enum"]
    assert enum == ["recommended", "consider", "not_recommended"]
    assert "not_recommended" in found["description"]


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED_FILE.read_text(encoding="utf-8")
    assert old in text
    (path := tmp_path / "content.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_seed_rates_every_treatment_and_nothing_else(tmp_path: Path) -> None:
    assert all(t.recommendation and t.recommendation_source for t in read_seed().treatments)
    unrated = _edited(tmp_path, "    recommendation: recommended\n", "")
    with pytest.raises(ValueError, match="a treatment, and only a treatment, has a recommendation"):
        read_seed(unrated)
    symptom = _edited(tmp_path, "    red_flag: false\n", "    red_flag: false\n    recommendation: consider\n")
    with pytest.raises(ValueError, match="only a treatment"):
        read_seed(symptom)
    uncited = _edited(
        tmp_path,
        'recommendation_source: {source: nice-ng59, locator: "Recommendation 1.2.11 (TENS)"}',
        'recommendation_source: {source: nice-ng59, locator: "Recommendation 1.2.10 (PENS)"}',
    )
    with pytest.raises(ValueError, match="not one of its sources"):
        read_seed(uncited)


def test_seed_texts_say_no_more_than_the_field() -> None:
    """A treatment advised against says so in its own summary, so a list of summaries never reads as advice."""
    for item in read_seed().treatments:
        if item.recommendation == "not_recommended":
            assert "not advised" in item.summary.lower() or "advises against" in item.summary.lower(), item.slug
