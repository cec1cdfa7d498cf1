"""GET /widget.js and GET /demo: versioned, long-cached, small, and callable from any origin."""

import gzip

import httpx
import pytest

from app.widget.router import WIDGET_VERSION

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

BUDGET = 25 * 1024  # bytes, gzipped


async def test_widget_script_is_versioned_and_long_cached(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/widget.js", headers={"Accept-Encoding": "identity", "Origin": "https://clinic.example"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["etag"].startswith(f'"widget-{WIDGET_VERSION}-')
    assert response.headers["cache-control"] == "public, max-age=86400, stale-while-revalidate=604800"
    assert response.headers["access-control-allow-origin"] == "*"
    assert f'const VERSION = "{WIDGET_VERSION}";' in response.text
    assert "__WIDGET_VERSION__" not in response.text
    again = await client.get(
        "/widget.js", headers={"Accept-Encoding": "identity", "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == response.headers["etag"]


async def test_widget_script_is_under_its_size_budget(client: httpx.AsyncClient) -> None:
    packed = await client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["etag"].startswith(f'"widget-{WIDGET_VERSION}-')
    assert int(packed.headers["content-length"]) < BUDGET
    assert len(gzip.compress(packed.content, compresslevel=9)) < BUDGET


async def test_demo_page_embeds_the_widget_with_the_two_lines(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/widget.js" async></script>' in response.text
    assert '<back-pain-guide view="triage guide" seo></back-pain-guide>' in response.text
