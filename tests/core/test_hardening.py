"""Findings of the security review that concern every response: headers, caching of problems, redirects,
JSON-LD inside HTML, and the pages we serve."""

import base64
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.core.html import SWAGGER_UI_INTEGRITY, SWAGGER_UI_VERSION
from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio
SWAGGER_UI_DIST = Path(__file__).resolve().parents[2] / "tools" / "spectral" / "node_modules" / "swagger-ui-dist"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/conditions/back-spasms"),
        ("GET", "/v1/treatments"),
        ("GET", "/v1/nope"),
        ("POST", "/v1/triage"),
        ("GET", "/healthz"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/demo"),
        ("GET", "/widget.js"),
        ("OPTIONS", "/v1/triage"),
    ],
)
async def test_nosniff_on_every_response(client: httpx.AsyncClient, method: str, path: str) -> None:
    headers = {"Origin": "https://a.example", "Access-Control-Request-Method": "POST"} if method == "OPTIONS" else {}
    response = await client.request(method, path, json={"answers": {}} if method == "POST" else None, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/v1/conditions/no-such", "/v1/nope", "/v1/conditions/"])
async def test_problems_are_never_cached(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_trailing_slash_is_a_404_not_a_redirect_to_the_host_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/conditions/", headers={"Host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers


@pytest.mark.parametrize(("path", "frame"), [("/docs", "'none'"), ("/demo", "'none'")])
async def test_pages_have_a_strict_content_security_policy(client: httpx.AsyncClient, path: str, frame: str) -> None:
    response = await client.get(path)
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == frame
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    # What the page loads from another origin is allowed by its full URL (a source naming a directory
    # without its final slash matches nothing below it), and nothing else from there.
    for directive, tag in [
        ("script-src", rb'<script src="([^"]+)"'),
        ("style-src", rb'<link rel="stylesheet" href="([^"]+)"'),
    ]:
        elsewhere = [url.decode() for url in re.findall(tag, response.content) if url.startswith(b"https://")]
        assert [source for source in policy[directive].split() if source.startswith("https://")] == elsewhere
    # Each inline script and style of the page is allowed by its hash, and nothing else inline.
    for element, content in re.findall(rb"<(script|style)>(.*?)</\1>", response.content, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        assert f"'sha256-{digest}'" in policy[f"{element.decode()}-src"]


async def test_docs_load_swagger_ui_pinned_with_subresource_integrity(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    for name, integrity in SWAGGER_UI_INTEGRITY.items():
        assert f'swagger-ui-dist@{SWAGGER_UI_VERSION}/{name}"\n  integrity="{integrity}"' in page


def test_the_integrity_hashes_match_the_npm_release() -> None:
    """The pinned hashes are those of swagger-ui-dist from the npm registry (installed by `make lint`)."""
    if not SWAGGER_UI_DIST.exists():
        pytest.skip("tools/spectral/node_modules is not installed (make lint installs it)")
    assert json.loads((SWAGGER_UI_DIST / "package.json").read_text())["version"] == SWAGGER_UI_VERSION
    for name, integrity in SWAGGER_UI_INTEGRITY.items():
        digest = base64.b64encode(hashlib.sha384((SWAGGER_UI_DIST / name).read_bytes()).digest()).decode()
        assert integrity == f"sha384-{digest}"


async def test_json_ld_is_safe_inside_a_script_element(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = bearer(key_for("edit"))
    hostile = "Spasm </script><script>alert(1)</script> & more"
    async with serve(fresh_url) as client:
        body = {
            "slug": "hostile",
            "name": hostile,
            "summary": "A name that tries to end a script element.",
            "category": "activity",
            "sources": [{"source": "renova-back-spasms", "locator": "Introduction"}],
        }
        created = await client.post("/v1/admin/causes", json=body, headers=key)
        assert created.status_code == 201, created.text
        published = await client.post(
            "/v1/admin/causes/hostile/publish", headers={**key, "If-Match": created.headers["etag"]}
        )
        assert published.status_code == 200, published.text
        await served_within_two_seconds(client, "/v1/causes/hostile", lambda found: found.get("slug") == "hostile")
        linked = await client.get("/v1/causes/hostile", headers={"Accept": "application/ld+json"})
        assert linked.status_code == 200
    assert b"<" not in linked.content
    assert b">" not in linked.content
    assert b"&" not in linked.content
    assert b"\\u003c/script\\u003e" in linked.content
    assert linked.json()["about"]["name"] == hostile  # the same JSON


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://files.example/a", "//x.example"])
async def test_a_source_url_must_be_a_web_address(fresh_url: str, key_for: Callable[..., str], url: str) -> None:
    key = bearer(key_for("edit"))
    async with serve(fresh_url) as client:
        body = {"slug": "leaflet", "name": "Leaflet", "summary": "A leaflet.", "url": url}
        response = await client.post("/v1/admin/sources", json=body, headers=key)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "url"]
        fine = await client.post("/v1/admin/sources", json={**body, "url": "https://clinic.example/a"}, headers=key)
        assert fine.status_code == 201
