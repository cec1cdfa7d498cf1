"""Fixtures for the widget in a real browser: Debian's Chromium, the API on one origin, a host page on another."""

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.core.config import Settings
from app.main import create_app
from tests.conftest import migrate_and_seed, need_service
from tests.net import free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags for a headless Chromium in a container: no sandbox (no user namespaces), no GPU, shared
# memory in files rather than a /dev/shm that a container may cap at 64 MB (a full-page screenshot
# outgrows it and the renderer hangs), and no calls home, which have no network to reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of every browser test, kept as CI artefacts.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))


class ServedApi:
    """The API served by a real uvicorn on a free port, in a thread."""

    def __init__(self, url: str, **settings: Any) -> None:
        settings.setdefault("rate_limit_anonymous_per_minute", 1_000_000)
        self.database_url = url
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        app = create_app(Settings(database_url=url, **settings))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ServedApi":
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class HostPages:
    """A plain web server on its own port: a clinic's site, on an origin other than the API's."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, name: str, *, script: str, css: str = "", inner: str = "", head: str = "", **attributes: str) -> str:
        """Publish a host page that embeds the widget with these attributes (`inner` inside it, and `css`
        and `head` of its own); returns its URL."""
        rendered = " ".join(f'{key.replace("_", "-")}="{value}"' for key, value in attributes.items())
        html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Host page</title>
<style>body {{ font-family: serif; }} button {{ background: hotpink; }}
back-pain-guide {{ --bpg-accent: #006d5b; }}{css}</style>{head}</head>
<body><h1>A clinic</h1>
<script src="{script}/widget.js" async></script>
<back-pain-guide {rendered}>{inner}</back-pain-guide>
</body></html>"""
        self.pages[f"/{name}"] = html.encode()
        return f"{self.origin}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


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
