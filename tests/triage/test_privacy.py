"""Nothing a person answered is stored or logged, access logs included."""

import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text

from app.core.db import make_engine
from tests.conftest import EmptyDatabase, migrate_and_seed
from tests.net import served
from tests.triage.answers import answers

pytestmark = pytest.mark.anyio

MARKED = answers(age=97, duration_days=3187, pain_severity=9, painkillers_not_helping=True)
# What a logged body or answer would show: question ids, and a value nothing else contains.
MARKERS = ("duration_days", "painkillers_not_helping", "bladder_or_bowel_change", "sekret-value")


def leaks(logged: str) -> list[str]:
    """Log lines that show anything a person answered."""
    return [
        line
        for line in logged.splitlines()
        if any(marker in line for marker in MARKERS) or ("/v1/triage" in line and "3187" in line)
    ]


async def test_triage_logs_nothing_it_was_told(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for given in (MARKED, {"duration_days": 3187, "age": "sekret-value"}, {"age": 97, "chest_pain": True}):
        await client.post("/v1/triage", json={"answers": given})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logged) == []


def test_a_real_server_keeps_no_trace(databases: EmptyDatabase, tmp_path: Path) -> None:
    url = databases.create()
    migrate_and_seed(url)
    log = tmp_path / "server.log"
    with log.open("wb") as out, served(url, output=out, env={"LOG_LEVEL": "debug"}) as base:
        sent = [
            httpx.post(f"{base}/v1/triage", json={"answers": MARKED}),
            httpx.post(f"{base}/v1/triage", json={"answers": {**MARKED, "fever": "sekret-value"}}),
            httpx.post(
                f"{base}/v1/triage",
                content=b'{"answers": {"age": 3187',
                headers={"content-type": "application/json"},
            ),
        ]
        assert [r.status_code for r in sent] == [200, 422, 400]
    logged = log.read_text()
    assert '"POST /v1/triage HTTP/1.1" 200' in logged  # the access log was on
    assert leaks(logged) == []
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
                assert all("sekret" not in str(row) and "3187" not in str(row) for row in rows), table
    finally:
        engine.dispose()
