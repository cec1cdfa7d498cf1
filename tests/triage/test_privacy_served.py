"""`backpain serve` keeps no trace of what a person answered: not in its logs, not in its database."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text

from app.core.db import make_engine
from tests.helpers.databases import EmptyDatabase, migrate_and_seed
from tests.helpers.privacy import MARKED, leaks
from tests.helpers.servers import served

pytestmark = pytest.mark.slow


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
