"""The embeddable widget's script, and a demo page that embeds it the way a clinic would."""

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.core.deps import settings
from app.core.html import content_security_policy, templates
from app.core.media import HTML, JAVASCRIPT, content_type
from app.core.openapi_docs import cached_responses, text_file_doc
from app.core.representation import (
    JavaScriptResponse,
    PreparedResponse,
    Representation,
    public_cache_control,
    represent,
    script_representation,
)

router = APIRouter(tags=["widget"])

# Part of the script's ETag: the package version, raised with every release.
WIDGET_VERSION = __version__
_FILES = Path(__file__).parent
_TEMPLATES = templates("app.widget")


@cache
def widget_script() -> Representation:
    """The widget's script with its version filled in, prepared once."""
    return script_representation(_FILES / "widget.js", b"__WIDGET_VERSION__", name="widget", version=WIDGET_VERSION)


@cache
def demo_page(cache_control: bytes) -> Representation:
    """The demo page, prepared once, under a strict Content-Security-Policy, as a careful clinic would serve it."""
    page = _TEMPLATES.get_template("demo.html").render().encode()
    return Representation.build(
        page,
        media_type=content_type(HTML),
        extra_headers=[(b"content-security-policy", content_security_policy(page))],
        cache_control=cache_control,
    )


@router.get(
    "/widget.js",
    summary="The embeddable widget",
    response_class=JavaScriptResponse,
    responses=cached_responses(text_file_doc(JAVASCRIPT, "The `<back-pain-guide>` custom element.")),
)
async def get_widget_script(request: Request) -> PreparedResponse:
    """The `<back-pain-guide>` web component; its ETag names the widget version."""
    return represent(widget_script(), request.headers.raw)


@router.get(
    "/demo",
    summary="A demo page with the widget",
    response_class=HTMLResponse,
    responses=cached_responses(text_file_doc(HTML, "An HTML page that embeds the widget.")),
)
async def get_demo_page(request: Request) -> PreparedResponse:
    """A clinic-style page that embeds the widget with the two-line snippet."""
    return represent(demo_page(public_cache_control(settings(request))), request.headers.raw)
