"""POST /v1/triage: the contract of a result."""

from typing import Any

import httpx
import pytest

from seed.loader import read_ruleset
from tests.helpers.answers import BOOL_QUESTIONS, NEGATIVE, REQUIRED_IN_ORDER, answers

pytestmark = pytest.mark.anyio

FIELDS = {
    "complete",
    "level",
    "timeframe",
    "title",
    "advice",
    "minimum_level",
    "region",
    "services",
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
            "parts": [{"question_id": "saddle_numbness", "answer": True}],
            "level": "emergency",
            "explanation": "Numbness between your legs can be cauda equina syndrome. "
            "This needs treatment in hospital straight away.",
            "action": None,
            "sources": [
                {"source": "nhs-cauda-equina", "locator": "Symptoms"},
                {"source": "girft-cauda-equina-2023", "locator": "Red flag symptoms"},
            ],
        }
    ]
    assert body["advice"] == (
        "Call the emergency number now, or go to the nearest emergency department. Do not drive yourself. "
        "Do not wait to see if it gets better."
    )
    assert body["services"] == {
        "emergency": {"name": "the emergency number", "number": None},
        "urgent": {"name": "an urgent care service", "number": None},
    }
    assert body["region"] is None
    assert body["safety_net"] == ["Call the emergency number again if you feel faint, confused or much worse."]
    assert body["minimum_level"] is None
    assert body["ruleset_version"] == 3


async def test_self_care_result(client: httpx.AsyncClient) -> None:
    body = await post(client, NEGATIVE)
    assert (body["complete"], body["level"], body["timeframe"]) == (True, "self_care", "self_care")
    assert body["reasons"] == []
    assert body["red_flags"] == []
    treatments = body["treatments"]
    assert isinstance(treatments, list)
    # What helps comes first; easing off a movement later, and medicines after self-care.
    assert [t["slug"] for t in treatments] == [
        "keep-active",
        "heat",
        "gentle-stretching",
        "ice",
        "rest",
        "stop-activity",
        "nsaids",
    ]
    assert all(t["cautions"] for t in treatments)
    assert body["advice"].startswith("Back pain like this often gets better on its own")
    # One grouped line for every emergency sign, then when to get help sooner, then shingles.
    assert len(body["safety_net"]) == 4
    assert body["safety_net"][0].startswith("Call the emergency number now if any of these start: trouble peeing")
    assert sum("emergency number" in line for line in body["safety_net"]) == 1
    assert "shingles" in body["safety_net"][-1]
    assert body["disclaimer"].startswith("This is guidance, not a diagnosis.")


async def test_strain_changes_the_self_care_advice_only(client: httpx.AsyncClient) -> None:
    plain = await post(client, NEGATIVE)
    strain = await post(client, answers(started_after_strain=True))
    assert strain["level"] == plain["level"] == "self_care"
    assert strain["advice"] != plain["advice"]
    assert "Ease off that movement for a day or two, then build back up." in strain["advice"]
    assert "stop" not in strain["advice"].lower()
    unsure = await post(client, answers(started_after_strain="unsure"))
    assert unsure["advice"] == strain["advice"]
    routine = await post(client, answers(started_after_strain=True, duration_days=30))
    assert "Ease off" not in routine["advice"]


async def test_recurrent_pain_adds_an_exercise_plan_to_self_care(client: httpx.AsyncClient) -> None:
    body = await post(client, answers(recurrent_episodes=True))
    assert body["level"] == "self_care"
    assert body["advice"].endswith("A physio can help you make one.")


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
    # Someone who stops here is still told what to do.
    assert body["minimum_level"] == {
        "level": "urgent",
        "timeframe": "today",
        "title": "See a doctor today",
        "advice": "Get an appointment with a doctor today. If you cannot get one, contact an urgent care service now.",
    }


async def test_empty_answers_ask_every_required_question(client: httpx.AsyncClient) -> None:
    body = await post(client, {})
    assert [q["id"] for q in body["next_questions"]] == REQUIRED_IN_ORDER


async def test_red_flags_and_treatments_resolve(client: httpx.AsyncClient) -> None:
    everything = dict.fromkeys(BOOL_QUESTIONS, True)
    body = await post(client, {**NEGATIVE, **everything, "age": 70, "pain_severity": 9})
    assert set(body["red_flags"]) == {rule.red_flag for rule in read_ruleset().rules if rule.red_flag}
    for slug in body["red_flags"]:
        symptom = (await client.get(f"/v1/symptoms/{slug}")).json()
        assert symptom["red_flag"] is True
    routine = await post(client, answers(duration_days=30))
    for treatment in routine["treatments"]:
        item = (await client.get(f"/v1/treatments/{treatment['slug']}")).json()
        assert (item["name"], item["summary"], item["category"], item["cautions"]) == (
            treatment["name"],
            treatment["summary"],
            treatment["category"],
            treatment["cautions"],
        )


async def test_same_answers_same_bytes(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/triage", json={"answers": answers(cancer_history=True)})
    second = await client.post(
        "/v1/triage", json={"answers": dict(reversed(list(answers(cancer_history=True).items())))}
    )
    assert first.content == second.content


PREGNANT = {"pregnant_labour_signs": False, "pregnancy_warning_signs": False}


@pytest.mark.parametrize("pregnant", [True, "unsure"])
async def test_pregnancy_keeps_nsaids_and_muscle_relaxants_out(client: httpx.AsyncClient, pregnant: object) -> None:
    body = await post(client, answers(pregnant=pregnant, **PREGNANT, duration_days=30))
    assert body["level"] == "routine"
    assert body["advice"].endswith("Tell your midwife about your back pain at your next appointment.")
    slugs = [t["slug"] for t in body["treatments"]]
    assert "nsaids" not in slugs
    assert "muscle-relaxants" not in slugs
    assert {"keep-active", "heat", "see-a-doctor", "physical-therapy"} <= set(slugs)
    assert body["services"]["maternity"] == {"name": "your maternity unit or midwife", "number": None}
    without = await post(client, answers(duration_days=30))
    assert {"nsaids", "muscle-relaxants"} <= {t["slug"] for t in without["treatments"]}
    assert "maternity" not in without["services"]


async def test_a_rule_action_replaces_the_level_advice(client: httpx.AsyncClient) -> None:
    body = await post(client, {"pregnant": True, "pregnant_labour_signs": True})
    assert body["advice"].startswith(
        "Contact your maternity unit or labour ward now. Call the emergency number if you cannot reach them, "
        "or if you are bleeding a lot."
    )
    assert body["reasons"][0]["action"] == body["advice"]


async def test_the_emergency_number_leads_and_other_actions_follow(client: httpx.AsyncClient) -> None:
    both = await post(client, {"pregnant": True, "chest_pain": True, "pregnant_labour_signs": True})
    assert [r["question_id"] for r in both["reasons"]] == ["chest_pain", "pregnant_labour_signs"]
    assert both["advice"].startswith("Call the emergency number now, or go to the nearest emergency department.")
    assert both["advice"].endswith(
        "Tell them you are pregnant, then call your maternity unit. "
        "Say you are pregnant (or have just given birth), and call your maternity unit or midwife now."
    ) or both["advice"].endswith("Tell them you are pregnant, then call your maternity unit.")


async def test_an_action_below_the_level_does_not_replace_its_advice(client: httpx.AsyncClient) -> None:
    body = await post(client, answers(fever=True, inflammatory_pattern=True))
    assert body["level"] == "urgent"
    assert body["advice"] == (
        "Get an appointment with a doctor today. If you cannot get one, contact an urgent care service now."
    )
    inflammatory = next(r for r in body["reasons"] if r["question_id"] == "inflammatory_pattern")
    assert inflammatory["action"].startswith("See a GP in the next 2 weeks.")


async def test_urgent_in_pregnancy_says_to_call_the_maternity_unit(client: httpx.AsyncClient) -> None:
    body = await post(client, answers(pregnant=True, **PREGNANT, cancer_history=True))
    assert body["level"] == "urgent"
    assert body["advice"].endswith(
        "Say you are pregnant (or have just given birth), and call your maternity unit or midwife now."
    )


async def test_a_combined_rule_lists_its_parts(client: httpx.AsyncClient) -> None:
    body = await post(client, answers(sexual_dysfunction_new=True, one_leg_pain_or_numbness=True))
    assert body["level"] == "emergency"
    first = body["reasons"][0]
    assert (first["question_id"], first["level"]) == ("sexual_dysfunction_new", "emergency")
    assert first["parts"] == [
        {"question_id": "sexual_dysfunction_new", "answer": True},
        {"question_id": "one_leg_pain_or_numbness", "answer": True},
    ]
    assert body["red_flags"] == ["sexual-dysfunction-new"]


async def test_unsure_on_an_emergency_question_says_a_serious_cause_was_not_ruled_out(
    client: httpx.AsyncClient,
) -> None:
    body = await post(client, answers(leg_weakness_worsening="unsure"))
    assert (body["level"], body["timeframe"]) == ("urgent", "today")
    assert body["reasons"][0]["answer"] == "unsure"
    assert body["reasons"][0]["explanation"].startswith("You were not sure about a sign of an emergency.")
    assert body["red_flags"] == []
    cauda_equina = await post(client, answers(saddle_numbness="unsure"))
    assert cauda_equina["level"] == "urgent"
    assert cauda_equina["advice"].startswith("Go to an emergency department today, within a few hours.")
