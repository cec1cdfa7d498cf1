"""The result screen someone can act on, on a phone and on a desktop: the level, what to do and the button
to call show without scrolling, wherever on the clinic's page the widget sits."""

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browsers import ARTIFACTS, HostPages
from tests.helpers.servers import ServedApi
from tests.helpers.widget import (
    AA_TEXT,
    CHILDREN,
    SELF_CARE,
    VIEWPORTS,
    WIDGET,
    api_json,
    asked_first,
    assert_in_view,
    choose,
    colours,
    complete,
    contrast,
    every_answer,
    reach,
)

pytestmark = pytest.mark.slow

# The clinic's page puts a screen and more of its own above the widget, so the widget starts below the fold.
LOWER = "h1 { margin-bottom: 120vh; }"
# The clinic's own content after a result: a booking link for any result, and a note for urgent ones.
CLINIC = (
    '<a slot="after-result" id="book" href="/book" style="background: yellow; color: yellow">Book with us</a>'
    '<p slot="after-result-urgent" id="same-day">We keep same-day slots.</p>'
)
MATERNITY_NUMBER = "0300 123 4567"


@pytest.fixture(params=list(VIEWPORTS))
def screen(page: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The page at a phone's size (390 by 844) or a desktop's (1280 by 800); what the viewport shows when the
    test ends is kept beside the full-page screenshot."""
    page.set_viewport_size(VIEWPORTS[request.param])
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name.replace('[', '-').rstrip(']')}-viewport.png"))


@pytest.fixture(scope="module")
def maternity_api(widget_db: str) -> Iterator[ServedApi]:
    """A deployment in Great Britain that sets its maternity unit's number."""
    with ServedApi(widget_db, region="GB", maternity_service_number=MATERNITY_NUMBER) as served:
        yield served


def open_page(page: Any, api: ServedApi, host: HostPages, name: str) -> Any:
    page.goto(
        host.page(name, script=api.origin, api_base=api.origin, view="triage", region="GB", css=LOWER, inner=CLINIC)
    )
    widget = page.locator(WIDGET)
    widget.locator("legend").first.wait_for()
    return widget


def focused_tag(page: Any) -> str:
    tag: str = page.evaluate(
        """() => {
            let node = document.activeElement;
            while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
            return node.tagName.toLowerCase();
        }"""
    )
    return tag


def assert_outside_and_below(widget: Any) -> None:
    """The "Start again" button is outside the result's card, below it: a tap on the card cannot wipe the
    result."""
    card = widget.locator(".result")
    restart = widget.locator("button", has_text="Start again")
    assert card.locator("button").count() == 0
    assert restart.bounding_box()["y"] >= card.bounding_box()["y"] + card.bounding_box()["height"]


def assert_emergency_card(page: Any, widget: Any, expected: Mapping[str, Any]) -> Any:
    card = widget.locator(".result")
    assert card.get_attribute("data-level") == "emergency"
    assert card.locator(".level").inner_text() == "EMERGENCY"
    assert card.locator("h3").inner_text() == expected["title"]
    assert card.locator(".action").inner_text() == expected["advice"]
    dial = card.locator('a.call[data-service="emergency"]')
    assert dial.get_attribute("href") == "tel:999"
    assert_in_view(page, card.locator(".level"), card.locator("h3"), card.locator(".action"), dial)
    assert contrast(*colours(dial)) >= AA_TEXT
    assert focused_tag(page) == "h3"  # focus on the title, and the card not scrolled away by it
    # No same-day service on an emergency, and the safety net is what to do while waiting.
    assert "Same-day advice" not in card.inner_text()
    assert card.locator("h4").all_inner_texts()[0] == "While you wait"
    assert "Get help sooner if" not in card.locator("h4").all_inner_texts()
    assert card.locator(".safety-net li").all_inner_texts() == expected["safety_net"]
    assert_outside_and_below(widget)
    # The clinic's slots never show with an emergency.
    expect(page.locator("#book")).to_be_hidden()
    expect(page.locator("#same-day")).to_be_hidden()
    return card


def test_the_emergency_card_shows_what_to_do_without_scrolling(screen: Any, api: ServedApi, host: HostPages) -> None:
    widget = open_page(screen, api, host, "fit-emergency")
    reach(screen, "saddle_numbness", {"age": 40})
    choose(screen, "saddle_numbness", True)
    widget.locator(".result").wait_for()
    answers = {**asked_first(api, {"age": 40}), "saddle_numbness": True}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": answers, "region": "GB"})
    assert_emergency_card(screen, widget, expected)


def labour_answers() -> dict[str, object]:
    return {"age": 30, "pregnant": True}


def test_the_labour_card_shows_what_to_do_without_scrolling(screen: Any, api: ServedApi, host: HostPages) -> None:
    widget = open_page(screen, api, host, "fit-labour")
    reach(screen, "pregnant_labour_signs", labour_answers())
    choose(screen, "pregnant_labour_signs", True)
    widget.locator(".result").wait_for()
    answers = {**asked_first(api, labour_answers()), "pregnant_labour_signs": True}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": answers, "region": "GB"})
    card = assert_emergency_card(screen, widget, expected)
    assert card.locator(".action").inner_text().startswith("Contact your maternity unit")


def test_the_labour_card_offers_the_maternity_unit_the_deployment_sets(
    screen: Any, maternity_api: ServedApi, host: HostPages
) -> None:
    """With MATERNITY_SERVICE_NUMBER set, the labour card has a button to call the maternity unit, first,
    as the advice says, beside the emergency number."""
    sample = api_json(
        maternity_api,
        "/v1/triage",
        method="POST",
        json={"answers": {**labour_answers(), "pregnant_labour_signs": True}},
    )
    widget = open_page(screen, maternity_api, host, "fit-maternity")
    reach(screen, "pregnant_labour_signs", labour_answers())
    choose(screen, "pregnant_labour_signs", True)
    card = widget.locator(".result")
    maternity = card.locator('a.call[data-service="maternity"]')
    maternity.wait_for()
    assert maternity.get_attribute("href") == f"tel:{MATERNITY_NUMBER.replace(' ', '')}"
    assert maternity.inner_text().splitlines() == [f"Call {sample['services']['maternity']['name']}", MATERNITY_NUMBER]
    assert card.locator(".calls a").evaluate_all("ns => ns.map(n => n.dataset.service)") == ["maternity", "emergency"]
    assert_in_view(screen, card.locator("h3"), card.locator(".action"), maternity, card.locator("a.call").last)
    assert contrast(*colours(maternity)) >= AA_TEXT


def test_the_maternity_button_follows_the_result(page: Any, api: ServedApi, host: HostPages) -> None:
    """The widget's side of it, whatever the ruleset: a result whose `services.maternity` has a number gets
    the button; the order follows the advice."""

    def with_maternity(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        result = route.fetch().json()
        result["services"]["maternity"] = {"name": "Riverside maternity unit", "number": MATERNITY_NUMBER}
        route.fulfill(json=result, headers={"Access-Control-Allow-Origin": "*"})

    page.route(f"{api.origin}/v1/triage", with_maternity)
    widget = open_page(page, api, host, "maternity-from-the-result")
    reach(page, "pregnant_labour_signs", labour_answers())
    choose(page, "pregnant_labour_signs", True)
    maternity = widget.locator('.result a.call[data-service="maternity"]')
    maternity.wait_for()  # the engine's result shows first; the API's, with the number, replaces it
    assert maternity.get_attribute("href") == "tel:03001234567"
    assert maternity.inner_text().splitlines() == ["Call Riverside maternity unit", MATERNITY_NUMBER]
    assert widget.locator(".result .calls a").evaluate_all("ns => ns.map(n => n.dataset.service)") == [
        "maternity",
        "emergency",
    ]
    assert "Maternity: Riverside maternity unit (call 0300 123 4567)" in widget.locator(".services").inner_text()


def test_the_self_care_card_opens_with_what_helps(screen: Any, api: ServedApi, host: HostPages) -> None:
    widget = open_page(screen, api, host, "fit-self-care")
    card = complete(screen, SELF_CARE)
    expected = api_json(
        api, "/v1/triage", method="POST", json={"answers": every_answer(api, SELF_CARE), "region": "GB"}
    )
    assert expected["level"] == "self_care"
    assert card.get_attribute("data-level") == "self_care"
    assert card.locator("h3").inner_text() == expected["title"]
    assert card.locator(".action").inner_text() == expected["advice"]
    assert_in_view(screen, card.locator(".level"), card.locator("h3"), card.locator(".action"))
    assert focused_tag(screen) == "h3"
    # The advice, then what helps: the treatments come before the safety net and who to call.
    assert card.evaluate(CHILDREN)[:6] == ["p.level", "h3", "p.action", "p.timeframe", "h4", "ul.treatments"]
    assert card.locator("h4").first.inner_text() == "What can help"
    first = card.locator(".treatments li").first.inner_text()
    assert expected["treatments"][0]["slug"] != "stop-activity"
    assert first.startswith(f"{expected['treatments'][0]['name']}: ")
    assert not first.lower().startswith("stop")
    assert not expected["advice"].lower().startswith("stop")
    # The safety net is one list under one heading.
    assert card.locator("h4", has_text="Get help sooner if").count() == 1
    assert card.locator("ul.safety-net").count() == 1
    assert card.locator(".safety-net li").all_inner_texts() == expected["safety_net"]
    assert card.locator(".services").inner_text().splitlines() == [
        "Emergency: 999",
        "Same-day advice: NHS 111 (call 111)",
    ]
    assert_outside_and_below(widget)
    # The clinic's link shows after a self-care result, outside the card; the urgent one does not.
    expect(screen.locator("#book")).to_be_visible()
    expect(screen.locator("#same-day")).to_be_hidden()
    assert screen.locator("#book").evaluate("n => n.assignedSlot.closest('.result')") is None
    for line in card.locator("p, h3, h4, li").all():
        assert contrast(*colours(line)) >= AA_TEXT, line.inner_text()
