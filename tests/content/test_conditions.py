"""GET /v1/conditions and /v1/conditions/{slug}."""

import httpx
import pytest

pytestmark = pytest.mark.anyio

CAUSES = [
    "muscle-strain",
    "sprain",
    "pulling-pushing-twisting",
    "repeated-strain",
    "sports-with-sudden-movements",
    "weak-abdominal-muscles",
    "underlying-back-condition",
    "arthritis",
]
SYMPTOMS = ["pain-after-exertion", "restricted-movement", "sudden-sharp-pain", "muscle-tightening"]
# Self-care first, then medicines, then professional care, each by name; what a guideline advises
# against (`not_recommended`) comes after all the others, in the same order.
TREATMENTS = [
    "stop-activity",
    "gentle-stretching",
    "heat",
    "ice",
    "keep-active",
    "rest",
    "stay-in-work",
    "nsaids",
    "muscle-relaxants",
    "chiropractic-care",
    "exercise-programme",
    "manual-therapy",
    "physical-therapy",
    "see-a-doctor",
    "psychological-therapy",
]
NOT_ADVISED = [
    "compression",
    "tens",
    "antidepressants",
    "gabapentin-and-pregabalin",
    "opioids-long-term",
    "paracetamol-alone",
    "cortisone-injections",
    "acupuncture",
    "interferential-therapy",
    "traction",
    "therapeutic-ultrasound",
    "routine-imaging",
]
# Emergencies first, then urgent signs, each by name.
RED_FLAGS = [
    "major-trauma",
    "heart-warning-signs",
    "chest-pain",
    "very-unwell",
    "leg-weakness-worsening",
    "bladder-or-bowel-change",
    "both-legs-symptoms",
    "saddle-numbness",
    "sudden-severe-pain-with-collapse",
    "pregnant-labour-signs",
    "tearing-pain",
    "child-walking-problem",
    "back-lump-or-deformity",
    "pulsing-tummy",
    "recent-spine-procedure-or-infection",
    "recent-fall-or-injury",
    "cancer-history",
    "sudden-onset-at-rest",
    "fever",
    "known-aneurysm",
    "burning-when-peeing",
    "sexual-dysfunction-new",
    "leg-weakness-new",
    "pain-between-shoulder-blades",
    "worse-with-cough-sneeze",
    "pain-spreads-to-abdomen",
    "constant-night-pain",
    "pregnancy-warning-signs",
    "unexplained-weight-loss",
    "immune-or-injection-risk",
]


async def test_list_has_the_one_condition(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/conditions")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert [c["slug"] for c in body["data"]] == ["back-spasms"]
    assert body["next_cursor"] is None
    assert "link" not in response.headers


async def test_detail_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/conditions/back-spasms")).json()
    assert body["slug"] == "back-spasms"
    assert body["type"] == "condition"
    assert body["name"] == "Back spasms"
    assert body["sources"] == [{"source": "renova-back-spasms", "locator": "Introduction"}]
    assert body["last_reviewed"] == "2026-11-25"
    assert body["next_review_due"] == "2027-05-25"
    assert body["revision"] == 1
    assert body["updated_at"].endswith("Z")
    assert body["body"].count("\n\n") == 2
    assert "id" not in body


async def test_detail_embeds_summaries_in_order(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/conditions/back-spasms")).json()
    assert [s["slug"] for s in body["causes"]] == CAUSES
    assert [s["slug"] for s in body["symptoms"]] == SYMPTOMS
    assert [s["slug"] for s in body["treatments"]] == TREATMENTS + NOT_ADVISED
    assert [s["slug"] for s in body["red_flags"]] == RED_FLAGS
    assert body["causes"][0] == {
        "slug": "muscle-strain",
        "name": "Muscle strain",
        "summary": "Stretching or tearing a back muscle too far is the most common thing that sets off a spasm.",
    }


async def test_every_embedded_summary_resolves(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/conditions/back-spasms")).json()
    for field, collection in [
        ("causes", "causes"),
        ("symptoms", "symptoms"),
        ("treatments", "treatments"),
        ("red_flags", "symptoms"),
    ]:
        for summary in body[field]:
            item = (await client.get(f"/v1/{collection}/{summary['slug']}")).json()
            assert {k: item[k] for k in ("slug", "name", "summary")} == summary


async def test_unknown_condition_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/conditions/sciatica")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:backpain:problem:not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "No condition has the slug 'sciatica'.",
    }
