"""Nothing a person answered is stored or logged, access logs included."""

import logging

import httpx
import pytest

from tests.helpers.privacy import MARKED, leaks

pytestmark = pytest.mark.anyio


async def test_triage_logs_nothing_it_was_told(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for given in (MARKED, {"duration_days": 3187, "age": "sekret-value"}, {"age": 97, "chest_pain": True}):
        await client.post("/v1/triage", json={"answers": given})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logged) == []
