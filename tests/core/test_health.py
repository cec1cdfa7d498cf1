"""/healthz and /readyz, and reads that outlive the database."""

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.content.models import Item
from app.content.service import bump_content_version
from app.core.db import alembic_config, make_engine
from seed.loader import item_id
from tests.helpers.apps import api_of, serve, served_within_two_seconds
from tests.helpers.databases import EmptyDatabase, migrate_and_seed

pytestmark = pytest.mark.anyio


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_migrated(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_schema_is_behind(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    async with serve(url) as client:
        command.downgrade(alembic_config(url), "base")
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The database schema is not at the newest migration."


async def test_content_is_503_before_it_ever_loaded(databases: EmptyDatabase) -> None:
    async with serve(databases.create()) as client:
        response = await client.get("/v1/conditions/back-spasms")
        assert (await client.get("/healthz")).status_code == 200
    assert response.status_code == 503
    assert response.json()["type"] == "urn:backpain:problem:service-unavailable"


@contextmanager
def database_down(databases: EmptyDatabase, url: str, client: httpx.AsyncClient) -> Iterator[None]:
    """Make the database unreachable for the running app, then bring it back."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    engine = api_of(transport.app).state.services.engine
    name = make_url(url).database
    assert name is not None
    if databases.admin is None:
        os.rename(name, f"{name}.away")
        engine.dispose()
        try:
            yield
        finally:
            engine.dispose()
            os.replace(f"{name}.away", name)
        return
    with databases.admin.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        admin.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        try:
            yield
        finally:
            admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


async def test_reads_are_served_from_memory_while_the_database_is_down(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    async with serve(url, refresh=0.05) as client:
        detail = await client.get("/v1/conditions/back-spasms")
        listing = await client.get("/v1/treatments?category=self_care")
        with database_down(databases, url, client):
            assert (await client.get("/readyz")).status_code == 503
            await asyncio.sleep(0.3)  # several failed refreshes
            again = await client.get("/v1/conditions/back-spasms")
            assert (again.status_code, again.content) == (200, detail.content)
            routed = await client.get("/v1/treatments?category=self_care")
            assert (routed.status_code, routed.content) == (200, listing.content)
            assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200


async def test_a_change_is_served_within_two_seconds(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    async with serve(url) as client:
        engine = make_engine(url)
        with Session(engine) as session:
            row = session.get(Item, item_id("treatment", "heat"))
            assert row is not None
            row.name = "Warmth"
            row.revision += 1
            session.add(row)
            bump_content_version(session=session)
            session.commit()
        engine.dispose()
        body = await served_within_two_seconds(client, "/v1/treatments/heat", lambda b: b["name"] == "Warmth")
        assert body["revision"] == 2
        summary = next(
            t for t in (await client.get("/v1/conditions/back-spasms")).json()["treatments"] if t["slug"] == "heat"
        )
        assert summary["name"] == "Warmth"
