"""Fixtures: databases built by the real migrations on SQLite and PostgreSQL, keys, and HTTP clients."""

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from app.core.config import get_settings
from app.core.db import get_engine
from tests.helpers.apps import serve
from tests.helpers.databases import EmptyDatabase
from tests.helpers.keys import make_key
from tests.helpers.services import postgres_admin_engine


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the PostgreSQL server, for creating and dropping databases."""
    engine = postgres_admin_engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmptyDatabase]:
    """A factory of empty databases, once per backend."""
    admin = request.getfixturevalue("postgres_admin") if request.param == "postgresql" else None
    factory = EmptyDatabase(request.param, tmp_path_factory.mktemp(request.param), admin)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def seeded_url(databases: EmptyDatabase) -> str:
    """One migrated and seeded database per backend, shared by the read-only tests."""
    return databases.create_seeded()


@pytest.fixture
def database_env(databases: EmptyDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database named by DATABASE_URL, as the `backpain` command reads it."""
    url = databases.create()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def fresh_url(databases: EmptyDatabase) -> str:
    """A migrated and seeded database of its own, for tests that write."""
    return databases.create_seeded()


@pytest.fixture
def key_for(fresh_url: str) -> Callable[..., str]:
    """Make keys on the test's own database."""

    def make(*scopes: str, **options: Any) -> str:
        return make_key(fresh_url, *scopes, **options)

    return make


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(seeded_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app on the seeded database, through the snapshot fast path."""
    async with serve(seeded_url) as http:
        yield http
