"""The widget's hooks for the clinic's page, in Chromium: events that bubble out of the shadow root, and
slots for the clinic's own content."""

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browsers import HostPages
from tests.helpers.servers import ServedApi
from tests.helpers.widget import SELF_CARE, WIDGET, api_json, complete

pytestmark = pytest.mark.slow

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
    questionnaire = api_json(api, "/v1/triage/questionnaire")
    steps = questionnaire["steps"]
    page.goto(host.page("hooks", script=api.origin, api_base=api.origin, view="triage", head=LISTEN, inner=CLINIC))
    widget = page.locator(WIDGET)
    step = widget.locator("fieldset:not([data-question]) > legend")
    expect(step).to_have_text(f"Step 1 of {len(steps)}: {steps[0]['title']}")
    expect(page.locator("#clinic")).to_be_visible()  # the header slot, from the start
    expect(page.locator("#book")).to_be_hidden()  # the booking link waits for a result
    complete(page, SELF_CARE)
    widget.locator(".result").wait_for()
    expect(page.locator("#book")).to_be_visible()
    # The link sits after the result's card, outside it (its colours cannot touch the card's), and before
    # "Start again".
    placed = page.locator("#book").evaluate(
        """node => {
            const slot = node.assignedSlot;
            const card = slot.getRootNode().querySelector('.result');
            const restart = slot.getRootNode().querySelector('.restart');
            return [slot.closest('.result') === null, slot.parentElement.classList.contains('outcome'),
                    !!(card.compareDocumentPosition(slot) & Node.DOCUMENT_POSITION_FOLLOWING),
                    !!(restart.compareDocumentPosition(slot) & Node.DOCUMENT_POSITION_PRECEDING)];
        }"""
    )
    assert placed == [True, True, True, True]
    assert page.evaluate("heard") == [
        *(["bpg:step", {"step": number, "of": len(steps)}, WIDGET] for number in range(1, len(steps) + 1)),
        # Level, timeframe and ruleset version: never the answers.
        [
            "bpg:result",
            {"level": "self_care", "timeframe": "self_care", "ruleset_version": questionnaire["ruleset_version"]},
            WIDGET,
        ],
    ]


def test_an_unreachable_api_is_an_error_event(page: Any, host: HostPages, api: ServedApi) -> None:
    closed = "http://127.0.0.1:9"  # the discard port: nothing answers
    page.goto(host.page("hooks-down", script=api.origin, api_base=closed, view="triage", head=LISTEN))
    page.locator(f"{WIDGET} [data-state=error]").wait_for()
    assert page.evaluate("heard") == [["bpg:error", {"kind": "offline"}, WIDGET]]
