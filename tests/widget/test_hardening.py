"""The widget against a hostile host page and hostile content."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.content.service import bump_content_version
from app.core.db import make_engine
from tests.helpers.browsers import HostPages
from tests.helpers.databases import migrate_and_seed
from tests.helpers.servers import ServedApi
from tests.helpers.widget import WIDGET

pytestmark = pytest.mark.slow

HOSTILE = """
* { letter-spacing: 2px; word-spacing: 6px; text-transform: uppercase; font-style: italic; line-height: 3;
    text-align: right; text-indent: 40px; font-weight: 900; }
"""
STYLE = """n => {
    const s = getComputedStyle(n);
    return [s.letterSpacing, s.wordSpacing, s.textTransform, s.fontStyle, s.textAlign, s.textIndent, s.fontWeight];
}"""


def test_inherited_properties_of_the_host_page_do_not_reach_the_widget(
    page: Any, api: ServedApi, host: HostPages
) -> None:
    page.goto(host.page("hostile", script=api.origin, api_base=api.origin, view="guide", css=HOSTILE))
    widget = page.locator(WIDGET)
    widget.locator(".reviewed").wait_for()
    assert page.locator("h1").evaluate("n => getComputedStyle(n).letterSpacing") == "2px"  # the page's own rule
    for selector in ("h2", ".lead", "li"):
        got = widget.locator(selector).first.evaluate(STYLE)
        assert got[:6] == ["normal", "0px", "none", "normal", "start", "0px"], (selector, got)
    assert widget.locator(".lead").evaluate("n => getComputedStyle(n).fontWeight") == "400"


def test_a_source_url_that_is_not_a_web_address_is_never_a_link(
    page: Any, host: HostPages, tmp_path_factory: Any
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'content.db'}"
    migrate_and_seed(url)
    engine = make_engine(url)
    with engine.begin() as connection:  # as if written before the schema checked the scheme
        connection.execute(text("UPDATE item SET url = 'javascript:alert(1)' WHERE slug = 'nhs-back-pain'"))
    with Session(engine) as session:
        bump_content_version(session=session)
        session.commit()
    engine.dispose()
    with ServedApi(url) as api:
        page.goto(host.page("bad-url", script=api.origin, api_base=api.origin, view="guide"))
        sources = page.locator(f"{WIDGET} .sources")
        sources.locator("li").first.wait_for()
        hrefs = [link.get_attribute("href") for link in sources.locator("a").all()]
        assert hrefs  # the other sources are links
        assert all(href.startswith("https://") for href in hrefs), hrefs
        nhs = sources.locator("li", has_text="Back pain (NHS)")
        assert nhs.locator("a").count() == 0
