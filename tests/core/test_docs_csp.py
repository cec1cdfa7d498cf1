"""/docs in Chromium under the Content-Security-Policy it is served with: Swagger UI renders, with no violation."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.html import SWAGGER_UI_CDN
from tests.helpers.browsers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.helpers.databases import migrate_and_seed
from tests.helpers.servers import ServedApi
from tests.helpers.services import need_service

pytestmark = pytest.mark.slow  # a browser, like the widget's tests
# The pinned release from the npm registry (installed by `make lint`), served in place of the CDN, which
# tests do not reach; the browser still checks each file against its integrity hash.
SWAGGER_UI_DIST = Path(__file__).resolve().parents[2] / "tools" / "spectral" / "node_modules" / "swagger-ui-dist"
WATCH = """document.addEventListener('securitypolicyviolation', event => {
    (window.violations = window.violations || []).push(`${event.violatedDirective} ${event.blockedURI}`);
});"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, as in the widget's tests."""
    if not Path(CHROMIUM).exists():
        need_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not SWAGGER_UI_DIST.exists():
        need_service("tools/spectral/node_modules is not installed (make lint installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApi]:
    """The API served for real, on SQLite: the page is the same on every database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('docs') / 'docs.db'}"
    migrate_and_seed(url)
    with ServedApi(url) as served:
        yield served


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh page that takes Swagger UI from the package and records every script error and CSP
    violation; a screenshot of it is saved when the test ends."""
    context = chromium.new_context(locale="en-GB", viewport={"width": 1200, "height": 1400})
    opened = context.new_page()
    opened.set_default_timeout(60_000)  # Swagger UI takes seconds to draw the whole document on a busy machine
    opened.errors = []
    opened.on("console", lambda message: opened.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.add_init_script(WATCH)

    def from_the_package(route: Any) -> None:
        name = route.request.url.rsplit("/", 1)[1]
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        headers = {"Content-Type": kind, "Access-Control-Allow-Origin": "*"}
        route.fulfill(status=200, body=(SWAGGER_UI_DIST / name).read_bytes(), headers=headers)

    opened.route(f"{SWAGGER_UI_CDN}/*", from_the_package)
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / "docs_under_its_policy.png"))
    context.close()


def test_docs_render_under_their_policy_with_no_violation(page: Any, api: ServedApi) -> None:
    operations = sum(len(item) for item in httpx.get(f"{api.origin}/openapi.json").json()["paths"].values())
    response = page.goto(f"{api.origin}/docs")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert page.evaluate("window.violations || []") == []  # Swagger UI's own files loaded
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == operations
    assert page.locator(".info .title").inner_text().startswith("Back-pain guidance API")
    # Expand an operation and call it, then open a dialog: what Swagger UI draws as it goes.
    page.locator(".opblock-summary").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("button.execute").click()
    assert page.locator(".live-responses-table tbody .response-col_status").first.inner_text() == "200"
    page.get_by_role("button", name="Authorize").first.click()
    page.wait_for_selector(".modal-ux")
    assert page.evaluate("window.violations || []") == []
    assert page.errors == []
