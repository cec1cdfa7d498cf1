"""What keeps patients safe in the widget: yes, no and not sure; every emergency route with its action and a
number to tap; cautions beside treatments; who the service is for."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.triage.answers import EMERGENCY_SCREEN, NEGATIVE, URGENT_SCREEN
from tests.widget.conftest import HostPages, ServedApi
from tests.widget.test_browser import AA_TEXT, WIDGET, answer_step, api_json, choose, colours, contrast

STEP = f"{WIDGET} fieldset:not([data-question]) > legend"
TITLES = {1: "Emergency signs", 2: "Signs that need a doctor soon", 3: "About your pain"}


def at_step(page: Any, step: int) -> None:
    """Wait until the widget shows this step (it moves on once the API has seen the answers)."""
    expect(page.locator(STEP)).to_have_text(f"Step {step} of 3: {TITLES[step]}")


def open_triage(page: Any, api: ServedApi, host: HostPages, name: str, **attributes: str) -> Any:
    page.goto(host.page(name, script=api.origin, api_base=api.origin, view="triage", **attributes))
    widget = page.locator(WIDGET)
    at_step(page, 1)
    return widget


def assert_emergency_panel(widget: Any, expected: dict[str, Any], number: str) -> None:
    result = widget.locator(".result")
    result.wait_for()
    assert result.get_attribute("data-level") == "emergency"
    assert result.get_attribute("role") == "alert"
    assert result.locator("p").first.inner_text() == expected["advice"]  # the rule's action, first
    call = result.locator("a.call")
    assert call.get_attribute("href") == f"tel:{number}"
    assert contrast(*colours(call)) >= AA_TEXT
    assert result.locator(".services a").first.get_attribute("href") == f"tel:{number}"


@pytest.mark.parametrize("question", EMERGENCY_SCREEN)
def test_each_emergency_answer_shows_its_action_and_a_number_to_call(
    page: Any, api: ServedApi, host: HostPages, question: str
) -> None:
    widget = open_triage(page, api, host, f"route-{question}", region="GB")
    choose(page, question, True)
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": {question: True}, "region": "GB"})
    assert_emergency_panel(widget, expected, "999")
    if question == "pregnant_labour_signs":
        assert (
            widget.locator(".result .action").inner_text().startswith("Contact your maternity unit or labour ward now.")
        )


def test_a_combined_rule_reached_across_steps_shows_the_emergency_panel(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    """Sciatica with new trouble getting an erection: an emergency that no single answer gives."""
    widget = open_triage(page, api, host, "combined", region="US")
    answer_step(page)
    at_step(page, 2)
    answer_step(page, {"sexual_dysfunction_new": True})
    at_step(page, 3)
    choose(page, "one_leg_pain_or_numbness", True)  # the second part: the emergency shows at once
    given = {**{q: v for q, v in NEGATIVE.items() if q in EMERGENCY_SCREEN or q in URGENT_SCREEN}}
    given |= {"sexual_dysfunction_new": True, "one_leg_pain_or_numbness": True}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": given, "region": "US"})
    assert expected["reasons"][0]["parts"][1]["question_id"] == "one_leg_pain_or_numbness"
    assert_emergency_panel(widget, expected, "911")


@pytest.mark.parametrize(("region", "number"), [("GB", "999"), ("US", "911")])
def test_the_aneurysm_case(page: Any, api: ServedApi, host: HostPages, region: str, number: str) -> None:
    """A 71-year-old with sudden 9/10 back and tummy pain and a pulsing tummy: version 1 said urgent."""
    widget = open_triage(page, api, host, f"aneurysm-{region}", region=region)
    answer_step(page)
    at_step(page, 2)
    answer_step(page, {"pain_spreads_to_abdomen": True, "pulsing_tummy_or_known_aneurysm": True})
    at_step(page, 3)
    # The severity completes the combined rule: the emergency shows as soon as it is entered.
    widget.locator('input[name="pain_severity"]').fill("9")
    widget.locator('input[name="pain_severity"]').press("Tab")
    given = {q: v for q, v in NEGATIVE.items() if q in EMERGENCY_SCREEN or q in URGENT_SCREEN}
    given |= {"pain_spreads_to_abdomen": True, "pulsing_tummy_or_known_aneurysm": True, "pain_severity": 9}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": given, "region": region})
    assert expected["advice"] == f"Call {number} now. Do not drive yourself."
    assert_emergency_panel(widget, expected, number)


def test_not_sure_on_an_emergency_question_gives_the_urgent_result(page: Any, api: ServedApi, host: HostPages) -> None:
    widget = open_triage(page, api, host, "unsure", region="GB")
    answer_step(page, {"saddle_numbness": "unsure"})
    at_step(page, 2)
    answer_step(page)
    at_step(page, 3)
    answer_step(page, {**NEGATIVE})
    result = widget.locator(".result")
    result.wait_for()
    assert result.get_attribute("data-level") == "urgent"
    assert result.locator(".action").inner_text() == (
        "Get an appointment with a doctor today. If you cannot get one, contact NHS 111 (call 111) now."
    )
    assert (
        result.locator(".reasons li").first.inner_text().startswith("You were not sure about a sign of an emergency.")
    )
    assert [a.get_attribute("href") for a in result.locator(".services a").all()] == ["tel:999", "tel:111"]


def test_a_step_cannot_move_on_with_a_question_left_blank(page: Any, api: ServedApi, host: HostPages) -> None:
    widget = open_triage(page, api, host, "blank")
    answer_step(page, {"chest_pain": None}, submit=False)  # every question but one
    widget.locator('button[type="submit"]').click()
    error = widget.locator(".error-text")
    expect(error).to_be_visible()
    assert error.inner_text().startswith("Please answer every question.")
    at_step(page, 1)
    assert widget.locator('[data-question="chest_pain"]').get_attribute("aria-invalid") == "true"
    focused = page.evaluate("() => document.activeElement.shadowRoot.activeElement.getAttribute('name')")
    assert focused == "chest_pain"
    choose(page, "chest_pain", False)
    widget.locator('button[type="submit"]').click()
    at_step(page, 2)


def test_cautions_beside_treatments_scope_and_focus_after_start_again(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    page.goto(host.page("cautions", script=api.origin, api_base=api.origin, view="triage guide", region="GB"))
    widget = page.locator(WIDGET)
    widget.locator(".reviewed").wait_for()
    questionnaire = api_json(api, "/v1/triage/questionnaire")
    assert widget.locator(".scope").inner_text() == questionnaire["intro"]
    assert "adults aged 16 and over" in questionnaire["intro"]
    assert "not for labour" in questionnaire["intro"]
    # The guide shows every treatment's cautions beside it, the NSAIDs' pregnancy warning among them.
    treatments = api_json(api, "/v1/treatments?limit=100")["data"]
    guide = widget.locator("section").nth(1).locator(".treatments li")
    assert guide.count() == len(treatments)
    nsaids = guide.filter(has_text="NSAIDs")
    assert "Take care: Ask a pharmacist or doctor first. Do not take them if you are pregnant" in nsaids.inner_text()
    # A routine result lists treatments with their cautions too.
    answer_step(page)
    at_step(page, 2)
    answer_step(page)
    at_step(page, 3)
    answer_step(page, {**NEGATIVE, "recurrent_episodes": True})
    result = widget.locator(".result")
    result.wait_for()
    assert result.get_attribute("data-level") == "routine"
    assert result.locator(".treatments li").count() == result.locator(".treatments .caution").count() > 5
    result.locator("button", has_text="Start again").click()
    at_step(page, 1)
    focused = page.evaluate("() => document.activeElement.shadowRoot.activeElement.getAttribute('name')")
    assert focused == EMERGENCY_SCREEN[0]
