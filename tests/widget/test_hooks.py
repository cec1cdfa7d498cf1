"""The widget's hooks for the clinic's page, in Chromium: events that bubble out of the shadow root, and
slots for the clinic's own content."""

from typing import Any

from playwright.sync_api import expect

from tests.widget.conftest import HostPages, ServedApi
from tests.widget.test_browser import SELF_CARE, WIDGET, answer_step

LISTEN = """<script>
window.heard = [];
for (const name of ["bpg:step", "bpg:result", "bpg:error"]) {
  document.addEventListener(name, (event) => heard.push([event.type, event.detail, event.target.localName]));
}
</script>"""
CLINIC = (
    '<p slot="header" id="clinic">Riverside Clinic</p><a slot="after-result" id="book" href="/book">Book with us</a>'
)


def test_events_and_slots_through_a_triage(page: Any, api: ServedApi, host: HostPages) -> None:
    page.goto(host.page("hooks", script=api.origin, api_base=api.origin, view="triage", head=LISTEN, inner=CLINIC))
    widget = page.locator(WIDGET)
    step = widget.locator("fieldset:not([data-question]) > legend")
    expect(step).to_have_text("Step 1 of 3: Emergency signs")
    expect(page.locator("#clinic")).to_be_visible()  # the header slot, from the start
    expect(page.locator("#book")).to_be_hidden()  # the booking link waits for a result
    answer_step(page)
    expect(step).to_have_text("Step 2 of 3: Signs that need a doctor soon")
    answer_step(page)
    expect(step).to_have_text("Step 3 of 3: About your pain")
    answer_step(page, SELF_CARE)
    widget.locator(".result").wait_for()
    expect(page.locator("#book")).to_be_visible()
    # The link sits in the result, after the advice and before "Start again".
    placed = page.locator("#book").evaluate("node => node.assignedSlot.closest('.result') !== null")
    assert placed is True
    assert page.evaluate("heard") == [
        ["bpg:step", {"step": 1, "of": 3}, WIDGET],
        ["bpg:step", {"step": 2, "of": 3}, WIDGET],
        ["bpg:step", {"step": 3, "of": 3}, WIDGET],
        # Level, timeframe and ruleset version: never the answers.
        ["bpg:result", {"level": "self_care", "timeframe": "self_care", "ruleset_version": 2}, WIDGET],
    ]


def test_an_unreachable_api_is_an_error_event(page: Any, host: HostPages, api: ServedApi) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing answers
    page.goto(host.page("hooks-down", script=api.origin, api_base=closed, view="triage", head=LISTEN))
    page.locator(f"{WIDGET} [data-state=error]").wait_for()
    assert page.evaluate("heard") == [["bpg:error", {"kind": "offline"}, WIDGET]]
