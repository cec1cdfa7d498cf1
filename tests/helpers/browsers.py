"""Chromium for the browser tests, and the host pages that embed the widget on another origin."""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.core.media import HTML, content_type
from tests.helpers.servers import free_port

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


class HostPages:
    """A plain web server on its own port: a clinic's site, on an origin other than the API's."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", content_type(HTML).decode())
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
