"""The questionnaire as ruleset 3 shapes it, in Chromium: "About you" first, questions asked only when their
`ask_if` holds, what the answers so far already call for above the questions; and what shows when the
engine refuses its ruleset and the API cannot answer either."""

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browsers import HostPages
from tests.helpers.servers import ServedApi
from tests.helpers.widget import (
    SELF_CARE,
    VIEWPORTS,
    WIDGET,
    answer_step,
    api_json,
    assert_in_view,
    choose,
    complete,
    moved_on,
    reach,
)

pytestmark = pytest.mark.slow

CORS = {"Access-Control-Allow-Origin": "*"}
LEGEND = f"{WIDGET} fieldset:not([data-question]) > legend"
URGENT_SO_FAR = {
    "level": "urgent",
    "timeframe": "today",
    "title": "You need to see a doctor today",
    "advice": "Get an appointment with a doctor today. If you cannot get one, contact NHS 111 (call 111) now.",
}
# An engine that refuses every ruleset, as one does with a ruleset it cannot fully evaluate or one past
# its `valid_until`.
REFUSING_ENGINE = 'export function assess() { throw new Error("this ruleset has expired"); }'


def about_you_first(api: ServedApi) -> dict[str, Any]:
    """The API's questionnaire: "About you" first, the pregnancy questions asked only in pregnancy."""
    questionnaire: dict[str, Any] = api_json(api, "/v1/triage/questionnaire")
    assert questionnaire["steps"][0]["step"] == 0
    return questionnaire


def serve_questionnaire(page: Any, api: ServedApi, questionnaire: dict[str, Any]) -> None:
    page.route(f"{api.origin}/v1/triage/questionnaire", lambda route: route.fulfill(json=questionnaire, headers=CORS))


def posted(page: Any, api: ServedApi) -> list[dict[str, Any]]:
    """The bodies of the page's POSTs to /v1/triage, as they are sent."""
    bodies: list[dict[str, Any]] = []

    def sent(request: Any) -> None:
        if request.method == "POST" and request.url == f"{api.origin}/v1/triage":
            bodies.append(json.loads(request.post_data))

    page.on("request", sent)
    return bodies


def test_about_you_comes_first_and_a_question_is_asked_only_when_its_condition_holds(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    questionnaire = about_you_first(api)
    serve_questionnaire(page, api, questionnaire)
    bodies = posted(page, api)
    page.goto(host.page("ask-if", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    widget = page.locator(WIDGET)
    of = len(questionnaire["steps"])
    expect(page.locator(LEGEND)).to_have_text(f"Step 1 of {of}: About you")
    labour = widget.locator('[data-question="pregnant_labour_signs"]')
    emergency_signs = f"Step 2 of {of}: {questionnaire['steps'][1]['title']}"
    # Not pregnant: the labour question is not asked.
    answer_step(page, {"age": 30, "pregnant": False})
    expect(page.locator(LEGEND)).to_have_text(emergency_signs)
    expect(labour).to_be_hidden()
    asked = [q for q in questionnaire["steps"][1]["questions"] if q["id"] != "pregnant_labour_signs"]
    assert widget.locator("fieldset[data-question]:visible").count() == len(asked)
    # "Not sure" holds as a yes: it is asked.
    widget.locator("button", has_text="Back").click()
    choose(page, "pregnant", "unsure")
    widget.locator('button[type="submit"]').click()
    expect(page.locator(LEGEND)).to_have_text(emergency_signs)
    expect(labour).to_be_visible()
    choose(page, "pregnant_labour_signs", False)
    # Not pregnant after all: the answer given is not sent.
    widget.locator("button", has_text="Back").click()
    choose(page, "pregnant", False)
    widget.locator('button[type="submit"]').click()
    expect(page.locator(LEGEND)).to_have_text(emergency_signs)
    expect(labour).to_be_hidden()
    shown = page.locator(LEGEND).inner_text()
    answer_step(page)  # the hidden question is not required
    assert not moved_on(page, shown)
    # On to the last step, and "See my result": the answers are posted.
    submit = widget.locator('button[type="submit"]')
    while submit.inner_text() != "See my result":
        shown = page.locator(LEGEND).inner_text()
        answer_step(page, SELF_CARE)
        assert not moved_on(page, shown)
    answer_step(page, SELF_CARE)
    for _ in range(250):
        if bodies:
            break
        page.wait_for_timeout(20)
    assert bodies, "the answers were never posted"
    assert bodies[-1]["answers"]["pregnant"] is False
    assert "pregnant_labour_signs" not in bodies[-1]["answers"]
    assert list(bodies[-1]["answers"])[:2] == ["age", "pregnant"]  # in questionnaire order


def test_the_answers_so_far_show_above_every_next_step(page: Any, api: ServedApi, host: HostPages) -> None:
    """An urgent answer halfway: the banner says what to do at once, and stays above each step after."""
    page.set_viewport_size(VIEWPORTS["phone"])

    def so_far(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        result = route.fetch().json()
        if not result["complete"]:
            urgent = any(reason["level"] == "urgent" for reason in result["reasons"])
            result["minimum_level"] = URGENT_SO_FAR if urgent else None
        route.fulfill(json=result, headers=CORS)

    page.route(f"{api.origin}/triage-engine.js", lambda route: route.abort())  # every answer is posted
    page.route(f"{api.origin}/v1/triage", so_far)
    page.goto(host.page("so-far", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    widget = page.locator(WIDGET)
    banner = widget.locator(".minimum")
    reach(page, "fever", {"age": 30})
    expect(banner).to_have_count(0)
    choose(page, "fever", True)
    expect(banner).to_be_visible()
    assert banner.get_attribute("data-level") == "urgent"
    assert banner.locator("p").all_inner_texts() == [
        URGENT_SO_FAR["title"],
        URGENT_SO_FAR["advice"],
        "Answer the rest of the questions to see your full result.",
    ]
    assert widget.locator('[role="status"] > .minimum').count() == 1  # announced politely
    # The next step: the banner, in view, above its first question.
    shown = page.locator(LEGEND).inner_text()
    answer_step(page, {"fever": True})
    assert not moved_on(page, shown)
    first = widget.locator("[data-question]:visible").first
    assert_in_view(page, banner, page.locator(LEGEND))
    assert banner.bounding_box()["y"] < first.bounding_box()["y"]
    # The result takes its place.
    card = complete(page, {**SELF_CARE, "fever": True})
    assert card.get_attribute("data-level") == "urgent"
    expect(banner).to_have_count(0)


def test_an_engine_that_refuses_its_ruleset_leaves_the_api_to_assess(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    page.route(
        f"{api.origin}/triage-engine.js",
        lambda route: route.fulfill(body=REFUSING_ENGINE, content_type="text/javascript", headers=CORS),
    )
    bodies = posted(page, api)
    page.goto(host.page("refusing-engine", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    reach(page, "chest_pain", {"age": 30})
    before = len(bodies)
    choose(page, "chest_pain", True)
    card = page.locator(f"{WIDGET} .result")
    card.wait_for()
    assert card.get_attribute("data-level") == "emergency"
    assert len(bodies) == before + 1  # the API assessed the answer


def test_with_neither_engine_nor_api_the_warning_signs_show_with_the_numbers(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    page.route(
        f"{api.origin}/triage-engine.js",
        lambda route: route.fulfill(body=REFUSING_ENGINE, content_type="text/javascript", headers=CORS),
    )
    cut = [True]
    page.route(
        f"{api.origin}/v1/triage",
        lambda route: route.abort() if route.request.method == "POST" and cut else route.continue_(),
    )
    page.goto(host.page("no-assessment", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    widget = page.locator(WIDGET)
    widget.locator("fieldset[data-question] input").first.wait_for()
    widget.locator('fieldset[data-question]:visible input[value="false"]').first.click()
    notice = widget.locator("[data-state=error]")
    notice.wait_for()
    signs = api_json(api, "/v1/export")["ruleset"]["document"]["emergency_signs"]
    said = [line.replace("{emergency}", "999").replace("{urgent}", "NHS 111 (call 111)") for line in signs]
    assert notice.get_attribute("data-error") == "offline"
    assert notice.locator("h3").inner_text() == "When to call 999"
    assert notice.locator(".warning-signs li").all_inner_texts() == said
    assert notice.locator("a.call").get_attribute("href") == "tel:999"
    assert notice.locator(".same-day").inner_text() == "For advice today: NHS 111 (call 111)"
    assert notice.locator(".same-day a").get_attribute("href") == "tel:111"
    # The service is back: "Try again" assesses, and the questions go on.
    cut.clear()
    notice.locator("button", has_text="Try again").click()
    expect(notice).to_have_count(0)
    expect(widget.locator("form")).to_be_visible()


def test_when_the_last_post_fails_the_engine_result_shows(page: Any, api: ServedApi, host: HostPages) -> None:
    page.route(f"{api.origin}/v1/triage", lambda route: route.abort())
    page.goto(host.page("engine-result", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    card = complete(page, SELF_CARE)
    assert card.get_attribute("data-level") == "self_care"
    assert page.locator(f"{WIDGET} [data-state=error]").count() == 0
