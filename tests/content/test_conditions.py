"""GET /v1/conditions and /v1/conditions/{slug}."""

import httpx
import pytest

from tests.helpers.content import CAUSES, NOT_ADVISED, RED_FLAGS, SYMPTOMS, TREATMENTS

pytestmark = pytest.mark.anyio


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
