"""GET /v1/treatments and /v1/treatments/{slug}, with the condition and category filters."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("self_care", ["compression", "gentle-stretching", "heat", "ice", "rest", "stop-activity"]),
        ("medication", ["cortisone-injections", "muscle-relaxants", "nsaids"]),
        ("professional_care", ["chiropractic-care", "physical-therapy", "see-a-doctor"]),
    ],
)
async def test_category_filter(client: httpx.AsyncClient, category: str, expected: list[str]) -> None:
    body = (await client.get(f"/v1/treatments?category={category}")).json()
    assert [t["slug"] for t in body["data"]] == expected
    assert {t["category"] for t in body["data"]} == {category}


async def test_detail(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/treatments/ice")).json()
    assert body["type"] == "treatment"
    assert body["category"] == "self_care"
    assert body["when_to_use"] == "Early on, while the area is inflamed."
    assert body["cautions"] == "Never put ice straight on bare skin, and limit each spell to about 20 minutes."
    assert body["conditions"] == ["back-spasms"]


async def test_medication_covers_what_a_doctor_may_prescribe(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/treatments/cortisone-injections")).json()
    assert "lower abdominal" in body["body"]
    assert body["sources"] == [{"source": "renova-back-spasms", "locator": "Treatments of Back Spasms, paragraph 2"}]


async def test_category_of_causes_is_not_a_treatment_category(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/treatments?category=injury")
    assert response.status_code == 422
