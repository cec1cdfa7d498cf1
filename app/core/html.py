"""HTML pages we serve: their Jinja2 templates, a strict Content-Security-Policy for each, and the API docs."""

import base64
import hashlib
import re

from jinja2 import Environment, PackageLoader, StrictUndefined

# Swagger UI from its CDN, pinned to one release and checked by the browser (Subresource Integrity).
# The hashes are of swagger-ui-dist 5.35.0 from the npm registry; a test recomputes them there.
SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}"
SWAGGER_UI_INTEGRITY = {
    "swagger-ui-bundle.js": "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9",
    "swagger-ui.css": "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
}
_INLINE = re.compile(rb"<(script|style)>(.*?)</\1>", re.DOTALL)


def templates(package: str) -> Environment:
    """The Jinja2 templates in a package's `templates/` folder, every value HTML-escaped unless marked safe."""
    return Environment(
        loader=PackageLoader(package),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails the page build, not renders as nothing
        trim_blocks=True,  # a line holding only a block tag leaves nothing behind
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


_TEMPLATES = templates("app.core")


def inline_hashes(html: bytes) -> dict[str, list[str]]:
    """The CSP source of each inline script and style of a page: `'sha256-...'`, by element."""
    found: dict[str, list[str]] = {"script": [], "style": []}
    for element, content in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        found[element.decode()].append(f"'sha256-{digest}'")
    return found


def content_security_policy(html: bytes, *, script: str = "", style: str = "", img: str = "") -> bytes:
    """A strict policy for one page: its own inline code by hash, the given sources, and no framing."""
    inline = inline_hashes(html)
    parts = {
        "default-src": "'none'",
        "script-src": " ".join(["'self'", *inline["script"], script]).strip(),
        "style-src": " ".join(["'self'", *inline["style"], style]).strip(),
        "img-src": f"'self' data: {img}".strip(),
        "connect-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in parts.items()).encode()


def docs_page(title: str, openapi_url: str) -> bytes:
    """Swagger UI for the OpenAPI document, its assets pinned by integrity."""
    page = _TEMPLATES.get_template("docs.html").render(
        title=title, openapi_url=openapi_url, cdn=SWAGGER_UI_CDN, integrity=SWAGGER_UI_INTEGRITY
    )
    return page.encode()
