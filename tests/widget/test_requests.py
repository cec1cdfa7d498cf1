"""What a whole triage in the widget costs in requests to the API, counted in Chromium; that five people
behind one address each complete one within a minute at the default limits with a clinic's key; and
that emergencies still show at once, with the engine and without it."""

import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.core.config import Settings
from tests.helpers.answers import EMERGENCY_SCREEN
from tests.helpers.browsers import HostPages
from tests.helpers.keys import make_key
from tests.helpers.servers import ServedApi
from tests.helpers.widget import (
    SELF_CARE,
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

# Every request one person's page makes to the API for a whole triage, by embedding: the script, the
# questionnaire, the engine and its ruleset (in the export), and one POST; the guide adds its five
# lists and `seo` the JSON-LD. Before the engine, the widget posted on every answer and every "Next":
# the path below cost 39 POSTs, 41 requests in all for "triage" and 47 for "guide triage seo".
TRIAGE_COST = {
    "GET /widget.js": 1,
    "GET /v1/triage/questionnaire": 1,
    "GET /triage-engine.js": 1,
    "GET /v1/export": 1,
    "POST /v1/triage": 1,
}
COSTS = {
    "triage": TRIAGE_COST,
    "guide triage seo": TRIAGE_COST
    | {
        "GET /v1/conditions/back-spasms": 2,  # the guide, and its JSON-LD
        "GET /v1/causes": 1,
        "GET /v1/symptoms": 1,
        "GET /v1/treatments": 1,
        "GET /v1/sources": 1,
    },
}
# A script or module tag sends no key: those two count against the address's anonymous limit, and the
# rest against the key and the key's share per address (`rate_limit_key_per_client_per_minute`).
KEYLESS = {"GET /widget.js", "GET /triage-engine.js"}
PEOPLE = 5


class Recorder:
    """Every request a page makes to the API, as "METHOD /path", with the key or not, and every status."""

    def __init__(self, page: Any, api: ServedApi) -> None:
        self.requests: list[str] = []
        self.keyed = 0
        self.statuses: list[int] = []
        ours = api.origin + "/"

        def sent(request: Any) -> None:
            if request.url.startswith(ours):
                self.requests.append(f"{request.method} {urlsplit(request.url).path}")
                self.keyed += "x-api-key" in request.headers

        page.on("request", sent)
        page.on(
            "response",
            lambda response: self.statuses.append(response.status) if response.url.startswith(ours) else None,
        )

    @property
    def counted(self) -> dict[str, int]:
        return dict(Counter(self.requests))


def open_clinic_page(page: Any, api: ServedApi, host: HostPages, name: str, view: str, key: str) -> Recorder:
    """The clinic's page with its origin-locked key, the requests to the API recorded from the start."""
    recorder = Recorder(page, api)
    extra = {"seo": ""} if "seo" in view.split() else {}
    shown = " ".join(v for v in view.split() if v != "seo")
    page.goto(host.page(name, script=api.origin, api_base=api.origin, api_key=key, view=shown, **extra))
    return recorder


def whole_triage(page: Any, view: str) -> Any:
    """The longest path through the questionnaire: all three steps, every question answered (the optional
    one too), an answer changed, back a step from the last and on again, a number changed; the result."""
    widget = page.locator(WIDGET)
    past_about_you(page, SELF_CARE)
    at_step(page, 1)
    answer_step(page)
    at_step(page, 2)
    answer_step(page, {"fever": True}, submit=False)
    choose(page, "fever", False)  # second thoughts
    widget.locator('button[type="submit"]').click()
    at_step(page, 3)
    answer_step(page, {**SELF_CARE, "pain_severity": 6}, submit=False)
    widget.locator("button", has_text="Back").click()
    at_step(page, 2)
    widget.locator('button[type="submit"]').click()
    at_step(page, 3)
    severity = widget.locator('input[name="pain_severity"]')
    severity.fill(str(SELF_CARE["pain_severity"]))
    severity.press("Tab")
    widget.locator('button[type="submit"]').click()
    result = widget.locator(".result")
    result.wait_for()
    # The requests that do not hold up the triage: the guide, and the JSON-LD after it.
    if "guide" in view:
        widget.locator(".reviewed").wait_for()
    if "seo" in view:
        page.locator('head script[type="application/ld+json"]').wait_for(state="attached")
    return result


def self_care_expected(api: ServedApi) -> Any:
    return api_json(api, "/v1/triage", method="POST", json={"answers": every_answer(api, SELF_CARE)})


@pytest.mark.parametrize("view", list(COSTS))
def test_a_whole_triage_posts_once(page: Any, api: ServedApi, host: HostPages, view: str) -> None:
    key = make_key(api.database_url, "read", allowed_origins=[host.origin])
    recorder = open_clinic_page(page, api, host, f"cost-{view.replace(' ', '-')}", view, key)
    result = whole_triage(page, view)
    expected = self_care_expected(api)
    assert result.get_attribute("data-level") == expected["level"] == "self_care"
    assert result.locator("h3").inner_text() == expected["title"]
    assert result.locator(".action").inner_text() == expected["advice"]
    assert result.locator(".safety-net li").all_inner_texts() == expected["safety_net"]
    assert recorder.counted == COSTS[view]
    assert len(recorder.requests) == {"triage": 5, "guide triage seo": 11}[view]
    assert recorder.keyed == {"triage": 3, "guide triage seo": 9}[view]
    assert set(recorder.statuses) == {200}
    # "Start again" fetches nothing more: a second triage is one POST.
    made = len(recorder.requests)
    page.locator(f"{WIDGET} button", has_text="Start again").click()
    past_about_you(page)  # assessed in the page: no request
    choose(page, "saddle_numbness", True)
    page.locator(f"{WIDGET} .result.emergency").wait_for()
    expect_requests(page, recorder, made + 1)
    assert recorder.counted["POST /v1/triage"] == 2


def expect_requests(page: Any, recorder: Recorder, total: int) -> None:
    """Wait (up to 5 s) until the page has made `total` requests to the API."""
    deadline = time.monotonic() + 5
    while len(recorder.requests) < total and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert len(recorder.requests) == total, recorder.requests


def test_five_people_behind_one_address_each_complete_a_triage_in_a_minute(
    browser: Any, widget_db: str, host: HostPages
) -> None:
    """A waiting room on one Wi-Fi, with the clinic's origin-locked key, at the default limits: the
    heaviest embedding (guide, triage and JSON-LD), each person in a browser of their own (nothing cached)."""
    defaults = Settings()
    per_person = sum(COSTS["guide triage seo"].values())
    keyed = sum(n for request, n in COSTS["guide triage seo"].items() if request not in KEYLESS)
    assert PEOPLE * per_person <= defaults.rate_limit_key_per_client_per_minute
    with ServedApi(widget_db, rate_limit_anonymous_per_minute=defaults.rate_limit_anonymous_per_minute) as api:
        key = make_key(api.database_url, "read", allowed_origins=[host.origin])
        began = time.monotonic()
        recorders = []
        for person in range(PEOPLE):
            context = browser.new_context(locale="en-GB", viewport={"width": 900, "height": 1200})
            page = context.new_page()
            recorder = open_clinic_page(page, api, host, "waiting-room", "guide triage seo", key)
            assert whole_triage(page, "guide triage seo").get_attribute("data-level") == "self_care", person
            recorders.append(recorder)
            context.close()
        assert time.monotonic() - began < 60
    assert [r.counted for r in recorders] == [COSTS["guide triage seo"]] * PEOPLE
    assert [set(r.statuses) for r in recorders] == [{200}] * PEOPLE  # no 429, nor anything else
    assert sum(r.keyed for r in recorders) == PEOPLE * keyed == 45


def test_an_emergency_shows_at_once_from_the_engine_even_when_the_post_fails(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    """The engine in the page decides the emergency: the POST that confirms it is not waited for."""
    recorder = Recorder(page, api)
    page.route(
        f"{api.origin}/v1/triage", lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    page.goto(host.page("engine-emergency", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    past_about_you(page)
    at_step(page, 1)
    for question in EMERGENCY_SCREEN[:3]:
        choose(page, question, False)
    choose(page, "chest_pain", True)
    answers = {**asked_first(api), **dict.fromkeys(EMERGENCY_SCREEN[:3], False), "chest_pain": True}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": answers, "region": "GB"})
    widget = page.locator(WIDGET)
    assert_emergency_panel(widget, expected, "999")
    result = widget.locator(".result")
    assert result.locator("h3").inner_text() == expected["title"]
    assert result.locator(".reasons li").all_inner_texts() == [r["explanation"] for r in expected["reasons"]]
    assert result.locator(".safety-net li").all_inner_texts() == expected["safety_net"]
    expect_requests(page, recorder, 5)
    assert recorder.counted["POST /v1/triage"] == 1  # the confirmation, for the emergency answer alone
    assert widget.locator("[data-state=error]").count() == 0


def test_without_the_engine_every_answer_is_posted_and_an_emergency_still_shows(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    """A page that cannot load the engine falls back to asking the API about each answer."""
    recorder = Recorder(page, api)
    page.route(f"{api.origin}/triage-engine.js", lambda route: route.abort())
    page.goto(host.page("no-engine", script=api.origin, api_base=api.origin, view="triage", region="GB"))
    past_about_you(page)
    at_step(page, 1)
    before = recorder.counted.get("POST /v1/triage", 0)  # "About you", where it is asked, was posted too
    for question in EMERGENCY_SCREEN[:3]:
        choose(page, question, False)
    choose(page, "saddle_numbness", "unsure")  # changed to not sure: urgent at most, the questions go on
    choose(page, "chest_pain", True)
    expected = api_json(
        api,
        "/v1/triage",
        method="POST",
        json={
            "answers": {
                **asked_first(api),
                **dict.fromkeys(EMERGENCY_SCREEN[:3], False),
                "saddle_numbness": "unsure",
                "chest_pain": True,
            },
            "region": "GB",
        },
    )
    assert_emergency_panel(page.locator(WIDGET), expected, "999")
    assert recorder.counted["POST /v1/triage"] == before + 5


def test_an_emergency_the_api_does_not_confirm_goes_back_to_the_questions(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    """The engine's ruleset went out of date while the page was open: the API's answer wins, and the API
    assesses every answer from then on."""
    recorder = Recorder(page, api)
    incomplete = api_json(api, "/v1/triage", method="POST", json={"answers": {}})
    stale = [True]

    def answer(route: Any) -> None:
        if route.request.method == "POST" and stale and stale.pop():
            route.fulfill(json=incomplete, headers={"Access-Control-Allow-Origin": "*"})
        else:
            route.continue_()

    page.route(f"{api.origin}/v1/triage", answer)
    page.goto(host.page("stale-engine", script=api.origin, api_base=api.origin, view="triage"))
    past_about_you(page)
    at_step(page, 1)
    choose(page, "chest_pain", True)
    widget = page.locator(WIDGET)
    at_step(page, 1)
    widget.locator("form").wait_for()
    assert widget.locator(".result").count() == 0
    assert widget.locator('[data-question="chest_pain"] input[value="true"]').is_checked()
    choose(page, "saddle_numbness", True)  # now posted, and the API's emergency shows
    widget.locator(".result.emergency").wait_for()
    assert recorder.counted["POST /v1/triage"] == 2
