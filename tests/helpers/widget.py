"""Driving the widget in Chromium: its element, answering steps, reading what it shows, and contrast."""

import re
from collections.abc import Mapping
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.helpers.servers import ServedApi

WIDGET = "back-pain-guide"


SELF_CARE = {"age": 30, "pain_severity": 4, "duration_days": 2, "first_episode": True, "started_after_strain": True}


# Who answers "About you" (ruleset 3 asks it first) where a test does not say.
ABOUT_YOU = {"age": 30, "pregnant": False}


# Text needs 4.5:1 against its background under WCAG 2.1 AA; large bold text 3:1.
AA_TEXT = 4.5


def luminance(color: str) -> float:
    """Relative luminance of a CSS rgb()/rgba() colour."""
    channels = [float(part) / 255 for part in color[color.index("(") + 1 : color.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colours(locator: Any) -> tuple[str, str]:
    """The text colour and the background colour an element is painted on."""
    result: tuple[str, str] = locator.evaluate(
        """node => {
            const color = getComputedStyle(node).color;
            for (let at = node; at; at = at.parentElement || at.getRootNode().host) {
                const background = getComputedStyle(at).backgroundColor;
                if (background !== 'rgba(0, 0, 0, 0)') return [color, background];
            }
            return [color, 'rgb(255, 255, 255)'];
        }"""
    )
    return result


# What an element holds, in order: each child's tag and class, as "p.action".
CHILDREN = "n => [...n.children].map(c => c.localName + (c.className ? '.' + c.className.split(' ')[0] : ''))"


def api_json(api: ServedApi, path: str, **kwargs: Any) -> Any:
    response = httpx.request(kwargs.pop("method", "GET"), api.origin + path, **kwargs)
    response.raise_for_status()
    return response.json()


def choose(page: Any, question: str, answer: object) -> None:
    """Pick yes, no or not sure for one question (a click: an emergency answer takes the choices away at once)."""
    value = "unsure" if answer == "unsure" else str(bool(answer)).lower()
    page.locator(f'{WIDGET} [data-question="{question}"] input[value="{value}"]').click()


def answer_step(page: Any, answers: Mapping[str, object] | None = None, *, submit: bool = True) -> None:
    """Answer every question of the shown step (yes/no questions no unless given), then go on."""
    answers = answers or {}
    widget = page.locator(WIDGET)
    for group in widget.locator("fieldset[data-question]:visible").all():
        question = group.get_attribute("data-question")
        if answers.get(question, False) is not None:
            choose(page, question, answers.get(question, False))
    for number in widget.locator('input[type="number"]:visible').all():
        number.fill(str(answers[number.get_attribute("name")]))
    if submit:
        widget.locator('button[type="submit"]').click()


def moved_on(page: Any, shown: str) -> bool:
    """Wait until the widget shows a result (True) or a step other than `shown` (False)."""
    widget = page.locator(WIDGET)
    for _ in range(500):
        # One look at the shadow root: the result, else the step's legend ("" between steps).
        now = widget.evaluate(
            """host => host.shadowRoot.querySelector('.result') ? null
                : (host.shadowRoot.querySelector('fieldset:not([data-question]) > legend') || {}).textContent || ''"""
        )
        if now is None:
            return True
        if now and now != shown:
            return False
        page.wait_for_timeout(20)
    raise AssertionError(f"still at {shown!r}")


def reach(page: Any, question: str, answers: Mapping[str, object] | None = None) -> None:
    """Answer step after step (yes/no questions no unless given) until `question` is asked."""
    widget = page.locator(WIDGET)
    legend = widget.locator("fieldset:not([data-question]) > legend")
    for _ in range(8):
        legend.wait_for()
        if widget.locator(f'[data-question="{question}"]:visible').count():
            return
        shown = legend.inner_text()
        answer_step(page, answers)
        assert not moved_on(page, shown), f"a result before {question} was asked"
    raise AssertionError(f"{question} was never asked")


def complete(page: Any, answers: Mapping[str, object]) -> Any:
    """Answer every step (yes/no questions no unless given) until the result shows; returns its card."""
    widget = page.locator(WIDGET)
    legend = widget.locator("fieldset:not([data-question]) > legend")
    for _ in range(8):
        legend.wait_for()
        shown = legend.inner_text()
        answer_step(page, answers)
        if moved_on(page, shown):
            return widget.locator(".result")
    raise AssertionError("no result")


def holds(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """A question's `ask_if`, read as the widget reads it."""
    if not condition:
        return True
    answer = answers.get(condition["question"])
    number = isinstance(answer, int) and not isinstance(answer, bool)
    if condition.get("is") is True:
        return answer is True or answer == "unsure"
    if "lt" in condition:
        return number and answer < condition["lt"]
    if "ge" in condition:
        return number and answer >= condition["ge"]
    return True


def every_answer(api: ServedApi, given: Mapping[str, object]) -> dict[str, object]:
    """An answer to every question asked, in order: those given, and no to the other yes/no questions."""
    questionnaire = api_json(api, "/v1/triage/questionnaire")
    answers: dict[str, object] = {}
    for step in questionnaire["steps"]:
        for question in step["questions"]:
            if holds(question.get("ask_if"), answers):
                answers[question["id"]] = given.get(question["id"], False)
    return answers


def asked_first(api: ServedApi, given: Mapping[str, object] | None = None) -> dict[str, object]:
    """The answers of the questions asked before the emergency screen ("About you" in ruleset 3; none
    before it), as given (else an adult of 30 who is not pregnant)."""
    given = {**ABOUT_YOU, **(given or {})}
    steps = api_json(api, "/v1/triage/questionnaire")["steps"]
    return {q["id"]: given.get(q["id"], False) for step in steps if step["step"] < 1 for q in step["questions"]}


def past_about_you(page: Any, answers: Mapping[str, object] | None = None) -> None:
    """Answer the questions asked before the emergency screen, where there are any ("About you" in
    ruleset 3), as given (else an adult of 30 who is not pregnant)."""
    reach(page, "bladder_or_bowel_change", {**ABOUT_YOU, **(answers or {})})


VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def assert_in_view(page: Any, *locators: Any) -> None:
    """Each element lies wholly inside the viewport, as it is now: nothing is scrolled to find it."""
    size = page.viewport_size
    for locator in locators:
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        inside = (
            box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"]
            and box["y"] + box["height"] <= size["height"]
        )
        assert inside, (locator, box, size)


STEP = f"{WIDGET} fieldset:not([data-question]) > legend"


# The emergency screen, the urgent screen and the questions about the pain (steps 1 to 3 of the ruleset;
# ruleset 3 asks "About you" before them).
TITLES = {1: "Emergency signs", 2: "Signs that need a doctor soon", 3: "About your pain"}


def at_step(page: Any, step: int) -> None:
    """Wait until the widget shows this step of the ruleset (it moves on once the answers are assessed)."""
    expect(page.locator(STEP)).to_have_text(re.compile(rf"^Step \d+ of \d+: {TITLES[step]}$"))


def assert_emergency_panel(widget: Any, expected: dict[str, Any], number: str) -> None:
    result = widget.locator(".result")
    result.wait_for()
    assert result.get_attribute("data-level") == "emergency"
    assert result.get_attribute("role") == "alert"
    assert result.locator(".action").inner_text() == expected["advice"]  # the rule's action, under the title
    call = result.locator("a.call")
    assert call.get_attribute("href") == f"tel:{number}"
    assert contrast(*colours(call)) >= AA_TEXT
    assert result.locator(".services a").first.get_attribute("href") == f"tel:{number}"
