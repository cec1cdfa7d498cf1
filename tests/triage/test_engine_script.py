"""The offline triage engine as served: an ES module with its version, cacheable."""

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_the_engine_is_served_as_an_es_module(client: httpx.AsyncClient) -> None:
    response = await client.get("/triage-engine.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "export function assess(" in response.text
    assert "__ENGINE_VERSION__" not in response.text
    assert (
        await client.get("/triage-engine.js", headers={"If-None-Match": response.headers["etag"]})
    ).status_code == 304
