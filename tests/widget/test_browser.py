"""The widget in Chromium, embedded in a page on another origin than the API."""

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from app import __version__
from tests.helpers.browsers import HostPages
from tests.helpers.keys import make_key
from tests.helpers.servers import CuttableProxy, ServedApi
from tests.helpers.widget import (
    AA_TEXT,
    CHILDREN,
    SELF_CARE,
    WIDGET,
    api_json,
    asked_first,
    colours,
    complete,
    contrast,
    every_answer,
    past_about_you,
)

pytestmark = pytest.mark.slow


def test_guide_renders(page: Any, api: ServedApi, host: HostPages) -> None:
    page.goto(host.page("guide", script=api.origin, api_base=api.origin, view="guide", seo=""))
    widget = page.locator(WIDGET)
    widget.locator(".reviewed").wait_for()
    condition = api_json(api, "/v1/conditions/back-spasms")
    assert widget.locator("h2").inner_text() == condition["name"]
    assert widget.locator(".lead").inner_text() == condition["summary"]
    assert widget.locator("h3").all_inner_texts() == [
        "Causes",
        "Symptoms",
        "Treatments",
        "Red flags: when to get help",
        "Sources",
    ]
    assert widget.locator("h4").all_inner_texts() == [
        "Injuries",
        "Activities",
        "Risk factors",
        "Underlying conditions",
        "Self-care",
        "Medication",
        "Professional care",
    ]
    flags = widget.locator(".red-flags li")
    assert flags.count() == len(condition["red_flags"])
    first_flag = api_json(api, f"/v1/symptoms/{condition['red_flags'][0]['slug']}")
    assert flags.first.inner_text().splitlines() == [f"Emergency{first_flag['name']}", first_flag["action"]]
    sources = widget.locator(".sources li")
    assert sources.first.inner_text().startswith("Understanding and Treating Back Spasms (Renova)\nSections: ")
    assert widget.locator(".reviewed").inner_text() == "Last reviewed: 25 November 2026"
    # The seo attribute puts the condition's schema.org JSON-LD into the host page's head.
    injected = page.locator('head script[type="application/ld+json"]').text_content()
    linked = api_json(api, "/v1/conditions/back-spasms", headers={"Accept": "application/ld+json"})
    assert injected is not None
    assert httpx.Response(200, content=injected).json() == linked
    # Neither the host's CSS gets in (its buttons are hotpink, in serif) nor ours out; theming does.
    assert widget.locator("h2").evaluate("n => getComputedStyle(n).fontFamily") != "serif"
    assert page.locator("h1").evaluate("n => getComputedStyle(n).fontSize") == "32px"
    text, background = colours(widget.locator(".lead"))
    assert contrast(text, background) >= AA_TEXT


def test_self_care_walk_through_ends_with_the_self_care_result(page: Any, api: ServedApi, host: HostPages) -> None:
    page.goto(host.page("triage", script=api.origin, api_base=api.origin, view="triage"))
    widget = page.locator(WIDGET)
    step = widget.locator("fieldset:not([data-question]) > legend")
    steps = api_json(api, "/v1/triage/questionnaire")["steps"]
    expect(step).to_have_text(f"Step 1 of {len(steps)}: {steps[0]['title']}")
    result = complete(page, SELF_CARE)
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": every_answer(api, SELF_CARE)})
    assert expected["level"] == "self_care"
    assert result.get_attribute("data-level") == "self_care"
    assert result.locator("h3").inner_text() == expected["title"]
    assert result.locator(".action").inner_text() == expected["advice"]
    assert result.locator(".timeframe").inner_text() == "When: Look after it at home; no appointment needed now"
    assert result.locator(".treatments li").all_inner_texts() == [
        f"{t['name']}: {t['summary']}\nTake care: {t['cautions']}" for t in expected["treatments"]
    ]
    assert result.locator(".safety-net li").all_inner_texts() == expected["safety_net"]
    assert result.locator(".disclaimer").inner_text() == expected["disclaimer"]
    assert widget.locator("[aria-live]").locator(".result").count() == 1
    assert widget.locator("form").is_hidden()
    for line in result.locator("p, h3, h4, li").all():
        assert contrast(*colours(line)) >= AA_TEXT, line.inner_text()


def test_emergency_answer_ends_early_with_the_emergency_result(page: Any, api: ServedApi, host: HostPages) -> None:
    page.goto(host.page("emergency", script=api.origin, api_base=api.origin, view="triage"))
    widget = page.locator(WIDGET)
    past_about_you(page)
    # The emergency screen, and no "Next": the answer alone ends the questions (click, as the choice is
    # gone at once).
    widget.locator('[data-question="saddle_numbness"] input[value="true"]').click()
    result = widget.locator(".result")
    result.wait_for()
    answers = {**asked_first(api), "saddle_numbness": True}
    expected = api_json(api, "/v1/triage", method="POST", json={"answers": answers})
    assert result.get_attribute("data-level") == "emergency"
    assert result.get_attribute("role") == "alert"
    assert widget.locator("[aria-live]").get_attribute("aria-live") == "assertive"
    # The level, the title and what to do come first (then a button to call, where the region has a
    # number); the questions are gone.
    assert result.evaluate(CHILDREN)[:3] == ["p.level", "h3", "p.action"]
    assert result.locator(".level").inner_text() == "EMERGENCY"
    assert result.locator("h3").inner_text() == expected["title"]
    assert result.locator(".action").inner_text() == expected["advice"]
    assert result.locator(".reasons li").all_inner_texts() == [r["explanation"] for r in expected["reasons"]]
    assert widget.locator("form").is_hidden()
    assert widget.locator("input").count() == 0
    # High contrast: white on deep red, well past AA, for every line of it.
    text, background = colours(result.locator(".action"))
    assert contrast(text, background) >= 7
    for line in result.locator("p, h3, h4, li").all():
        assert contrast(*colours(line)) >= AA_TEXT, line.inner_text()
    # At the top: nothing of the triage view's content sits above it but the title.
    title_box = widget.locator("h2").bounding_box()
    result_box = result.bounding_box()
    assert title_box["y"] < result_box["y"] < title_box["y"] + title_box["height"] + 20


FOCUSED = """() => {
    let node = document.activeElement;
    while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
    return {
        tag: node.tagName.toLowerCase(),
        type: node.getAttribute('type') || '',
        name: node.getAttribute('name') || '',
        text: node.textContent.trim(),
        outline: getComputedStyle(node).outlineStyle,
        labelled: node.tagName !== 'INPUT' || node.labels.length > 0,
    };
}"""


def complete_by_keyboard(page: Any) -> set[str]:
    """Answer the whole triage with Tab, Space, digits and Enter only; returns the answers given."""
    widget = page.locator(WIDGET)
    widget.locator("legend").first.wait_for()
    typed: set[str] = set()
    visited = 0
    page.keyboard.press("Tab")
    for _ in range(200):
        if widget.locator(".result").count():
            break
        focused = page.evaluate(FOCUSED)
        visited += 1
        assert focused["labelled"], focused
        if focused["tag"] in ("input", "button"):
            assert focused["outline"] == "solid", f"no visible focus on {focused}"
        if focused["tag"] == "input" and focused["type"] == "radio" and focused["name"] not in typed:
            # Tab lands on a group's first choice (yes): Space picks it, the down arrow moves to no and picks it.
            page.keyboard.press("Space" if SELF_CARE.get(focused["name"]) is True else "ArrowDown")
            typed.add(focused["name"])
        elif focused["tag"] == "input" and focused["type"] == "number" and focused["name"] not in typed:
            page.keyboard.type(str(SELF_CARE[focused["name"]]))
            typed.add(focused["name"])
        elif focused["tag"] == "button" and focused["text"] in ("Next", "See my result"):
            page.keyboard.press("Enter")
            page.wait_for_timeout(150)
            continue  # the widget moves focus to the next step's first question
        page.keyboard.press("Tab")
    assert visited > 30
    return typed


def test_keyboard_only_completion(page: Any, api: ServedApi, host: HostPages) -> None:
    page.goto(host.page("keyboard", script=api.origin, api_base=api.origin, view="triage"))
    typed = complete_by_keyboard(page)
    result = page.locator(f"{WIDGET} .result")
    assert result.get_attribute("data-level") == "self_care"
    assert {"age", "pain_severity", "duration_days", "first_episode", "started_after_strain"} <= typed
    assert len(typed) == len(every_answer(api, SELF_CARE))  # every question asked, the optional one too
    # The result takes focus, so keyboard and screen-reader users land on it.
    assert page.evaluate(FOCUSED)["tag"] == "h3"


def test_unreachable_api_shows_the_error_state_and_recovers_on_retry(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    with CuttableProxy(("127.0.0.1", api.port)) as proxy:
        proxy.cut()
        page.goto(host.page("offline", script=api.origin, api_base=f"http://127.0.0.1:{proxy.port}", view="guide"))
        notice = page.locator(f"{WIDGET} [data-state=error]")
        notice.wait_for()
        assert notice.get_attribute("data-error") == "offline"
        assert notice.locator("p").inner_text() == (
            "We could not reach the guidance service. Please check your connection and try again."
        )
        proxy.restore()
        notice.locator("button").click()
        page.locator(f"{WIDGET} .reviewed").wait_for()
        assert page.locator(f"{WIDGET} [data-state=error]").count() == 0


def test_rate_limited_api_shows_a_calm_message(page: Any, widget_db: str, host: HostPages) -> None:
    with ServedApi(widget_db, rate_limit_anonymous_per_minute=1) as limited:  # the script, then a 429
        page.goto(host.page("limited", script=limited.origin, api_base=limited.origin, view="triage"))
        notice = page.locator(f"{WIDGET} [data-state=error]")
        notice.wait_for()
        assert notice.get_attribute("data-error") == "busy"
        busy, urgent = notice.locator("p").all_inner_texts()
        waited = re.fullmatch(
            r"Lots of people are using this service right now\. Please try again in (\d+) seconds\.", busy
        )
        assert waited is not None, busy
        assert 1 <= int(waited[1]) <= 60  # the Retry-After the API sent
        assert urgent == "If you think you need help urgently, call your emergency number now."
        assert notice.locator("button").inner_text() == "Try again"


def test_key_locked_to_another_origin_is_refused(page: Any, api: ServedApi, host: HostPages) -> None:
    """The site owner is told what to fix, and nobody is offered a "Try again" that cannot work."""
    key = make_key(api.database_url, "read", allowed_origins=["https://another-clinic.example"])
    listen = "<script>window.errors = []; addEventListener('bpg:error', e => errors.push(e.detail));</script>"
    page.goto(host.page("foreign-key", script=api.origin, api_base=api.origin, api_key=key, view="guide", head=listen))
    notice = page.locator(f"{WIDGET} [data-state=error]")
    notice.wait_for()
    assert notice.get_attribute("data-error") == "forbidden"
    assert notice.locator(".owner").inner_text() == (
        f"For the site owner: this widget's api-key may not be used from {host.origin}. "
        "Add this address to the key's allowed origins."
    )
    assert notice.locator("button").count() == 0
    assert page.evaluate("errors") == [{"kind": "forbidden"}]
    refused = httpx.get(f"{api.origin}/v1/conditions/back-spasms", headers={"X-API-Key": key, "Origin": host.origin})
    assert refused.status_code == 403


def test_key_locked_to_the_host_origin_works(page: Any, api: ServedApi, host: HostPages) -> None:
    key = make_key(api.database_url, "read", allowed_origins=[host.origin])
    page.goto(host.page("own-key", script=api.origin, api_base=api.origin, api_key=key, view="guide"))
    page.locator(f"{WIDGET} .reviewed").wait_for()
    assert page.locator(f"{WIDGET} [data-state=error]").count() == 0


def test_demo_page_reads_and_completes_with_the_keyboard(page: Any, api: ServedApi) -> None:
    """As a new user tries it: open /demo, read the guide, and complete a triage with the keyboard alone."""
    page.goto(f"{api.origin}/demo")
    widget = page.locator(WIDGET)
    widget.locator(".reviewed").wait_for()
    assert widget.locator("section h2").all_inner_texts() == ["Check your back pain", "Back spasms"]
    steps = api_json(api, "/v1/triage/questionnaire")["steps"]
    first = f"Step 1 of {len(steps)}: {steps[0]['title']}"
    assert widget.locator("fieldset:not([data-question]) > legend").inner_text() == first
    # The widget adds the JSON-LD after the guide, from a request of its own.
    page.locator('head script[type="application/ld+json"]').wait_for(state="attached")
    assert page.locator('head script[type="application/ld+json"]').count() == 1
    assert page.evaluate("customElements.get('back-pain-guide').version") == __version__
    button = widget.locator('button[type="submit"]')
    assert button.evaluate("n => getComputedStyle(n).backgroundColor") == "rgb(0, 109, 91)"  # the page's --bpg-accent
    text, background = colours(button)
    assert contrast(text, background) >= AA_TEXT
    complete_by_keyboard(page)
    assert widget.locator(".result").get_attribute("data-level") == "self_care"
