"""GET /v1/treatments and /v1/treatments/{slug}, with the condition and category filters."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        (
            "self_care",
            [
                "compression",
                "gentle-stretching",
                "heat",
                "ice",
                "keep-active",
                "rest",
                "stay-in-work",
                "stop-activity",
                "tens",
            ],
        ),
        (
            "medication",
            [
                "antidepressants",
                "cortisone-injections",
                "gabapentin-and-pregabalin",
                "muscle-relaxants",
                "nsaids",
                "opioids-long-term",
                "paracetamol-alone",
            ],
        ),
        (
            "professional_care",
            [
                "acupuncture",
                "chiropractic-care",
                "exercise-programme",
                "interferential-therapy",
                "manual-therapy",
                "physical-therapy",
                "psychological-therapy",
                "routine-imaging",
                "see-a-doctor",
                "therapeutic-ultrasound",
                "traction",
            ],
        ),
    ],
)
async def test_category_filter(client: httpx.AsyncClient, category: str, expected: list[str]) -> None:
    body = (await client.get(f"/v1/treatments?category={category}&limit=100")).json()
    assert [t["slug"] for t in body["data"]] == expected
    assert {t["category"] for t in body["data"]} == {category}


async def test_detail(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/treatments/ice")).json()
    assert body["type"] == "treatment"
    assert body["category"] == "self_care"
    assert body["when_to_use"] == "If it eases the pain, in the first day or two."
    assert body["cautions"] == "Never put ice straight on bare skin, and use it for no more than 20 minutes at a time."
    assert {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"} in body["sources"]
    assert body["conditions"] == ["back-spasms"]
    assert body["recommendation"] == "consider"
    assert body["recommendation_source"] == {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"}


async def test_medication_covers_what_a_doctor_may_prescribe(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/treatments/cortisone-injections")).json()
    assert "lower tummy" in body["body"]
    assert "NICE advises against spinal injections for low back pain" in body["body"]
    assert body["sources"] == [
        {"source": "renova-back-spasms", "locator": "Treatments of Back Spasms, paragraph 2"},
        {"source": "nice-ng59", "locator": "Recommendation 1.3.1 (spinal injections)"},
        {"source": "nice-ng59", "locator": "Recommendation 1.3.4 (epidurals for acute, severe sciatica)"},
    ]
    assert body["recommendation"] == "not_recommended"
    assert body["recommendation_source"] == {
        "source": "nice-ng59",
        "locator": "Recommendation 1.3.1 (spinal injections)",
    }


async def test_category_of_causes_is_not_a_treatment_category(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/treatments?category=injury")
    assert response.status_code == 422
