"""POST /v1/triage: the contract of a result."""

from typing import Any

import httpx
import pytest

from tests.triage.answers import NEGATIVE, REQUIRED_IN_ORDER, answers

pytestmark = pytest.mark.anyio

FIELDS = {
    "complete",
    "level",
    "timeframe",
    "title",
    "advice",
    "reasons",
    "red_flags",
    "next_questions",
    "treatments",
    "safety_net",
    "disclaimer",
    "ruleset_version",
}


async def post(client: httpx.AsyncClient, given: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/triage", json={"answers": given})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body: dict[str, Any] = response.json()
    assert set(body) == FIELDS
    return body


async def test_emergency_result(client: httpx.AsyncClient) -> None:
    body = await post(client, {"saddle_numbness": True})
    assert body["complete"] is True
    assert (body["level"], body["timeframe"], body["title"]) == ("emergency", "now", "Get emergency help now")
    assert body["red_flags"] == ["saddle-numbness"]
    assert body["next_questions"] == []
    assert body["treatments"] == []
    assert body["reasons"] == [
        {
            "question_id": "saddle_numbness",
            "answer": True,
            "level": "emergency",
            "explanation": "Numbness around the genitals or bottom can mean cauda equina syndrome, "
            "which needs emergency treatment.",
            "sources": [
                {"source": "nhs-cauda-equina", "locator": "Symptoms"},
                {"source": "bass-cauda-equina-2018", "locator": "Presenting symptoms"},
            ],
        }
    ]
    assert body["ruleset_version"] == "2026-11-24.1"


async def test_self_care_result(client: httpx.AsyncClient) -> None:
    body = await post(client, NEGATIVE)
    assert (body["complete"], body["level"], body["timeframe"]) == (True, "self_care", "self_care")
    assert body["reasons"] == []
    assert body["red_flags"] == []
    treatments = body["treatments"]
    assert isinstance(treatments, list)
    assert [t["slug"] for t in treatments] == [
        "stop-activity",
        "rest",
        "ice",
        "heat",
        "gentle-stretching",
        "compression",
    ]
    assert body["advice"].startswith("Back spasms usually settle with self-care.")
    assert len(body["safety_net"]) == 4
    assert body["disclaimer"].startswith("This is general guidance, not a diagnosis.")


async def test_strain_changes_the_self_care_advice_only(client: httpx.AsyncClient) -> None:
    plain = await post(client, NEGATIVE)
    strain = await post(client, answers(started_after_strain=True))
    assert strain["level"] == plain["level"] == "self_care"
    assert strain["advice"] != plain["advice"]
    assert "stop the activity" in strain["advice"]
    routine = await post(client, answers(started_after_strain=True, recurrent_episodes=True))
    assert "stop the activity" not in routine["advice"]


async def test_routine_lists_self_care_first_then_professional_care(client: httpx.AsyncClient) -> None:
    body = await post(client, answers(duration_days=30))
    assert (body["level"], body["timeframe"]) == ("routine", "within_2_weeks")
    categories = [t["category"] for t in body["treatments"]]
    assert categories == sorted(categories, key=["self_care", "medication", "professional_care"].index)
    assert categories[0] == "self_care"
    assert {"see-a-doctor", "nsaids", "muscle-relaxants"} <= {t["slug"] for t in body["treatments"]}


async def test_urgent_has_no_treatments(client: httpx.AsyncClient) -> None:
    body = await post(client, answers(fever=True))
    assert (body["level"], body["timeframe"], body["treatments"]) == ("urgent", "today", [])


async def test_incomplete_result(client: httpx.AsyncClient) -> None:
    body = await post(client, {"fever": True, "age": 40})
    assert (body["complete"], body["level"], body["timeframe"]) == (False, None, None)
    assert body["title"] == "A few more questions"
    assert [q["id"] for q in body["next_questions"]] == [q for q in REQUIRED_IN_ORDER if q not in ("fever", "age")]
    assert body["next_questions"][0]["text"]
    assert [r["question_id"] for r in body["reasons"]] == ["fever"]


async def test_empty_answers_ask_every_required_question(client: httpx.AsyncClient) -> None:
    body = await post(client, {})
    assert [q["id"] for q in body["next_questions"]] == REQUIRED_IN_ORDER


async def test_red_flags_and_treatments_resolve(client: httpx.AsyncClient) -> None:
    everything = {q: True for q, v in NEGATIVE.items() if isinstance(v, bool)}
    body = await post(client, {**NEGATIVE, **everything})
    assert len(body["red_flags"]) == 17
    for slug in body["red_flags"]:
        symptom = (await client.get(f"/v1/symptoms/{slug}")).json()
        assert symptom["red_flag"] is True
    routine = await post(client, answers(recurrent_episodes=True))
    for treatment in routine["treatments"]:
        item = (await client.get(f"/v1/treatments/{treatment['slug']}")).json()
        assert (item["name"], item["summary"], item["category"]) == (
            treatment["name"],
            treatment["summary"],
            treatment["category"],
        )


async def test_same_answers_same_bytes(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/triage", json={"answers": answers(cancer_history=True)})
    second = await client.post(
        "/v1/triage", json={"answers": dict(reversed(list(answers(cancer_history=True).items())))}
    )
    assert first.content == second.content
