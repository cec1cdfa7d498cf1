"""Fixtures for the widget in a real browser: Debian's Chromium, the API on one origin, a host page on another."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browsers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, HostPages
from tests.helpers.databases import migrate_and_seed
from tests.helpers.servers import ServedApi
from tests.helpers.services import need_service


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never a downloaded browser. Per module: Playwright's sync
    API holds an event loop in the thread while it runs, and the async tests that a worker runs next
    need the thread without one."""
    if not Path(CHROMIUM).exists():
        need_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def widget_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated and seeded SQLite database for the browser tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('widget') / 'widget.db'}"
    migrate_and_seed(url)
    return url


@pytest.fixture(scope="session")
def api(widget_db: str) -> Iterator[ServedApi]:
    """The API, served for real on its own origin."""
    with ServedApi(widget_db) as served:
        yield served


@pytest.fixture(scope="session")
def host() -> Iterator[HostPages]:
    """The clinic's site, on another origin."""
    pages = HostPages()
    yield pages
    pages.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser page in British English; a screenshot of it is saved when the test ends."""
    context = browser.new_context(locale="en-GB", viewport={"width": 900, "height": 1200})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    opened.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert errors == [], f"script errors on the page: {errors}"
