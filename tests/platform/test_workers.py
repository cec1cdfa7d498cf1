"""Two uvicorn workers on PostgreSQL and Redis: a publish reaches both, limits and metrics are shared."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from tests.helpers.databases import EmptyDatabase, migrate_and_seed
from tests.helpers.editing import TREATMENT
from tests.helpers.keys import bearer, make_key
from tests.helpers.servers import free_port
from tests.helpers.services import REDIS_URL

pytestmark = [pytest.mark.slow, pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def postgres(postgres_admin: Engine, tmp_path: Path) -> Iterator[str]:
    factory = EmptyDatabase("postgresql", tmp_path, postgres_admin)
    url = factory.create()
    migrate_and_seed(url)
    yield url
    factory.drop_all()


@asynccontextmanager
async def worker(url: str, metrics_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A uvicorn process serving the app on a free port, as production runs it."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000",
    }
    log = metrics_dir.parent / f"worker-{port}.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--no-access-log",
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, log.read_text()
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the worker did not become ready within 20 s")
            yield client
    finally:
        process.terminate()
        await process.wait()


async def test_two_workers_share_content_limits_and_metrics(postgres: str, redis_url: str, tmp_path: Path) -> None:
    editor = make_key(postgres, "edit")
    limited = make_key(postgres, "read", rate_limit_per_minute=10)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    async with worker(postgres, metrics_dir) as one, worker(postgres, metrics_dir) as two:
        # A publish on one worker is served by both within 2 s.
        created = await one.post("/v1/admin/treatments", json=TREATMENT, headers=bearer(editor))
        assert created.status_code == 201
        published = await one.post(
            "/v1/admin/treatments/warm-bath/publish", headers={**bearer(editor), "If-Match": created.headers["etag"]}
        )
        assert published.status_code == 200
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0
        pending = {"one": one, "two": two}
        while pending:
            for name, client in list(pending.items()):
                if (await client.get("/v1/treatments/warm-bath")).status_code == 200:
                    del pending[name]
            assert loop.time() < deadline, f"not served by {sorted(pending)} within 2 s"
            await asyncio.sleep(0.05)

        # A key limited to 10 a minute gets exactly 10 successes across both workers.
        statuses = [
            (await (one, two)[n % 2].get("/v1/sources", headers=bearer(limited))).status_code for n in range(30)
        ]
        assert statuses.count(200) == 10
        assert statuses.count(429) == 20
        assert statuses[:10] == [200] * 10

        # Either worker's /metrics counts the requests both answered: its own at once, the other's once
        # that worker has written its figures (at most a second later).
        deadline = loop.time() + 3
        while True:
            text = (await two.get("/metrics")).text
            counted = {
                sample.labels["status"]: sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "backpain_http_requests_total" and sample.labels["route"] == "/v1/sources"
            }
            if counted == {"200": 10, "429": 20} or loop.time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert counted == {"200": 10, "429": 20}
