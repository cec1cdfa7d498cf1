"""A database outage: reads and triage keep answering from memory, writes get a 503 and leave
nothing behind, and writes work again once the database is back, with no restart."""

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from app.core.db import make_engine
from app.platform.audit import AuditEvent
from app.platform.editing.models import ItemDraft
from tests.helpers.apps import serve
from tests.helpers.databases import EmptyDatabase, migrate_and_seed
from tests.helpers.editing import TREATMENT
from tests.helpers.keys import bearer, make_key
from tests.helpers.servers import CuttableProxy
from tests.helpers.services import POSTGRES_ADMIN_URL

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def postgres(postgres_admin: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, seeded PostgreSQL database of this test's own."""
    factory = EmptyDatabase("postgresql", tmp_path_factory.mktemp("outage"), postgres_admin)
    url = factory.create()
    migrate_and_seed(url)
    yield url
    factory.drop_all()


def _writes(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        drafts = session.exec(select(func.count()).select_from(ItemDraft)).one()
        events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    engine.dispose()
    return drafts, events


async def test_the_database_goes_away_and_comes_back(postgres: str) -> None:
    key = make_key(postgres, "edit")
    upstream = make_url(POSTGRES_ADMIN_URL)
    with CuttableProxy((upstream.host or "127.0.0.1", upstream.port or 5432)) as proxy:
        through_proxy = make_url(postgres).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        async with serve(through_proxy, refresh=0.1) as client:
            detail = await client.get("/v1/treatments/heat")
            answers = {"answers": {"bladder_or_bowel_change": True}}
            triage = await client.post("/v1/triage", json=answers)
            before = _writes(postgres)

            proxy.cut()
            assert (await client.get("/readyz")).status_code == 503
            await asyncio.sleep(0.3)  # a few failed refreshes
            again = await client.get("/v1/treatments/heat")
            assert (again.status_code, again.content) == (200, detail.content)
            assert (await client.get("/v1/search?q=heat")).status_code == 200
            assert (await client.get("/v1/export")).status_code == 200
            during = await client.post("/v1/triage", json=answers)
            assert (during.status_code, during.content) == (200, triage.content)

            created = await client.post("/v1/admin/treatments", json=TREATMENT, headers=bearer(key))
            assert created.status_code == 503
            assert created.headers["content-type"] == "application/problem+json"
            assert created.json()["type"] == "urn:backpain:problem:service-unavailable"
            read = await client.get("/v1/admin/treatments/heat", headers=bearer(key))
            assert read.status_code == 503
            assert _writes(postgres) == before  # nothing half-written

            proxy.restore()
            created = await client.post("/v1/admin/treatments", json=TREATMENT, headers=bearer(key))
            assert created.status_code == 201
            assert (await client.get("/readyz")).status_code == 200
            assert _writes(postgres) == (before[0] + 1, before[1] + 1)
