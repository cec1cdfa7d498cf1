"""What keeps patients safe in the widget: yes, no and not sure; every emergency route with its action and a
number to tap; cautions beside treatments; who the service is for."""

import re
from collections.abc import Mapping
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.answers import EMERGENCY_SCREEN, NEGATIVE, URGENT_SCREEN
from tests.helpers.browsers import HostPages
from tests.helpers.servers import ServedApi
from tests.helpers.widget import (
    STEP,
    WIDGET,
    answer_step,
    api_json,
    asked_first,
    assert_emergency_panel,
    at_step,
    choose,
    every_answer,
    past_about_you,
)

pytestmark = pytest.mark.slow

# A sign of aortic aneurysm, with the pain spreading to the tummy: one question in ruleset 2, two in 3.
PULSING = "pulsing_tummy" if "pulsing_tummy" in NEGATIVE else "pulsing_tummy_or_known_aneurysm"


def open_triage(
    page: Any,
    api: ServedApi,
    host: HostPages,
    name: str,
    about_you: Mapping[str, object] | None = None,
    **attributes: str,
) -> Any:
    """The triage on a host page, at the emergency screen ("About you" answered, where it is asked)."""
    page.goto(host.page(name, script=api.origin, api_base=api.origin, view="triage", **attributes))
    widget = page.locator(WIDGET)
    past_about_you(page, about_you)
    at_step(page, 1)
    return widget


def screened(api: ServedApi, **changes: object) -> dict[str, object]:
    """The answers up to the urgent screen, all no (and "About you" where it is asked), with changes."""
    given = {q: v for q, v in NEGATIVE.items() if q in EMERGENCY_SCREEN or q in URGENT_SCREEN}
    return {**asked_first(api), **given, **changes}


@pytest.mark.parametrize("question", dict.fromkeys([*EMERGENCY_SCREEN, "pregnant_labour_signs"]))
def test_each_emergency_answer_shows_its_action_and_a_number_to_call(
    page: Any, api: ServedApi, host: HostPages, question: str
) -> None:
    # The labour question is asked in pregnancy (ruleset 3 asks it only then).
    about_you = {"pregnant": True} if question == "pregnant_labour_signs" else None
    widget = open_triage(page, api, host, f"route-{question}", about_you=about_you, region="GB")
    choose(page, question, True)
    answers = {**asked_first(api, about_you), question: True}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": answers, "region": "GB"})
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
    given = screened(api, sexual_dysfunction_new=True, one_leg_pain_or_numbness=True)
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": given, "region": "US"})
    assert expected["reasons"][0]["parts"][1]["question_id"] == "one_leg_pain_or_numbness"
    assert_emergency_panel(widget, expected, "911")


@pytest.mark.parametrize(("region", "number"), [("GB", "999"), ("US", "911")])
def test_the_aneurysm_case(page: Any, api: ServedApi, host: HostPages, region: str, number: str) -> None:
    """A 71-year-old with sudden 9/10 back and tummy pain and a pulsing tummy: version 1 said urgent."""
    widget = open_triage(page, api, host, f"aneurysm-{region}", region=region)
    answer_step(page)
    at_step(page, 2)
    answer_step(page, {"pain_spreads_to_abdomen": True, PULSING: True})
    at_step(page, 3)
    # The severity completes the combined rule: the emergency shows as soon as it is entered.
    widget.locator('input[name="pain_severity"]').fill("9")
    widget.locator('input[name="pain_severity"]').press("Tab")
    given = screened(api, pain_spreads_to_abdomen=True, pain_severity=9, **{PULSING: True})
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": given, "region": region})
    assert expected["advice"].startswith(f"Call {number} now")
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
    answers = every_answer(api, {**NEGATIVE, "saddle_numbness": "unsure"})
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": answers, "region": "GB"})
    assert expected["level"] == "urgent"
    assert result.get_attribute("data-level") == "urgent"
    assert result.locator(".action").inner_text() == expected["advice"]
    assert result.locator(".reasons li").first.inner_text() == expected["reasons"][0]["explanation"]
    assert expected["reasons"][0]["answer"] == "unsure"
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
    assert "think labour has started" in questionnaire["intro"]
    # The guide shows every treatment's cautions beside it, the NSAIDs' pregnancy warning among them.
    treatments = api_json(api, "/v1/treatments?limit=100")["data"]
    guide = widget.locator("section").nth(1).locator(".treatments li")
    assert guide.count() == len(treatments)
    nsaids = guide.filter(has_text="NSAIDs")
    assert "Take care: Ask a pharmacist or doctor first. Do not take them if you are pregnant" in nsaids.inner_text()
    # A routine result lists treatments with their cautions too.
    past_about_you(page)
    answer_step(page)
    at_step(page, 2)
    answer_step(page)
    at_step(page, 3)
    answer_step(page, {**NEGATIVE, "daily_activities_limited": True})
    result = widget.locator(".result")
    result.wait_for()
    assert result.get_attribute("data-level") == "routine"
    assert result.locator(".treatments li").count() == result.locator(".treatments .caution").count() > 5
    widget.locator("button", has_text="Start again").click()
    expect(page.locator(STEP)).to_have_text(re.compile(rf": {questionnaire['steps'][0]['title']}$"))
    focused = page.evaluate("() => document.activeElement.shadowRoot.activeElement.getAttribute('name')")
    assert focused == questionnaire["steps"][0]["questions"][0]["id"]
