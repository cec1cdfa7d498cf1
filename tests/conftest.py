"""Fixtures: databases built by the real migrations on SQLite and PostgreSQL, and HTTP clients."""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.core.config import Settings, get_settings
from app.core.db import alembic_config, get_engine, make_engine
from app.main import create_app
from app.platform.keys.service import KeyScope, create_key
from seed.loader import load_seed

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip with the reason, or fail when CI requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _postgres_admin() -> Engine:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        need_service(f"PostgreSQL is not reachable at {make_url(POSTGRES_ADMIN_URL).host}: {type(exc).__name__}")
    return engine


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the PostgreSQL server, for creating and dropping databases."""
    engine = _postgres_admin()
    yield engine
    engine.dispose()


class EmptyDatabase:
    """Makes fresh databases of one backend, empty or seeded, and removes them afterwards."""

    def __init__(self, backend: str, tmp: Path, admin: Engine | None) -> None:
        self.backend, self.tmp, self.admin = backend, tmp, admin
        self.made: list[str] = []
        self._template: str | None = None

    def create(self, *, template: str | None = None) -> str:
        """A new empty database, or a copy of `template` (the name of one made here)."""
        name = f"backpain_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            path = self.tmp / f"{name}.db"
            if template is not None:
                shutil.copyfile(self.tmp / f"{template}.db", path)
            return f"sqlite:///{path}"
        copy = f' TEMPLATE "{template}"' if template is not None else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        self.made.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def create_seeded(self) -> str:
        """A migrated and seeded database: a copy (a file copy, or CREATE DATABASE ... TEMPLATE) of one
        built once per session by the real migrations and the seed."""
        if self._template is None:
            url = self.create()
            migrate_and_seed(url)  # the engine is disposed: nothing holds the template open
            self._template = make_url(url).database
            assert self._template is not None
            if self.admin is None:
                self._template = Path(self._template).stem
        return self.create(template=self._template)

    def drop_all(self) -> None:
        assert self.admin is not None or not self.made
        for name in self.made:
            with self.admin.connect() as connection:  # type: ignore[union-attr]
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmptyDatabase]:
    """A factory of empty databases, once per backend."""
    admin = request.getfixturevalue("postgres_admin") if request.param == "postgresql" else None
    factory = EmptyDatabase(request.param, tmp_path_factory.mktemp(request.param), admin)
    yield factory
    factory.drop_all()


def migrate_and_seed(url: str) -> None:
    """Build a database the way production does: migrations, then the seed."""
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine) as session:
        load_seed(session=session)
    engine.dispose()


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


def make_key(url: str, *scopes: str, name: str | None = None, **options: Any) -> str:
    """Create a key in the database the way `backpain keys create` does; returns the key.

    Each gets a name of its own unless the test names it: a live key's name is unique."""
    name = name or f"tester-{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _, key = create_key(
                session=session,
                name=name,
                scopes=[KeyScope(scope) for scope in scopes],
                allowed_origins=options.get("allowed_origins", []),
                rate_limit_per_minute=options.get("rate_limit_per_minute"),
                actor="tests",
            )
    finally:
        engine.dispose()
    return key


def bearer(key: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


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


# Groups that start browsers, server processes or thousands of generated requests; `make test-fast`
# leaves them (and PostgreSQL) out, `make test` runs everything.
SLOW = (
    "tests/widget/",
    "tests/deploy/",
    "tests/platform/test_workers.py",
    "tests/platform/test_bursts.py",
    "tests/core/test_watchdog.py::test_a_stalled",
    "tests/core/test_watchdog.py::test_sigterm",
    "tests/test_schemathesis.py",
    # the tests that start `backpain serve` or the command in a process of its own
    "tests/core/test_logs.py::test_the_served_access_log",
    "tests/triage/test_privacy.py::test_a_real_server",
    "tests/clients/",
    "tests/platform/test_keys.py::test_cli_prints",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow groups."""
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def api_of(app: object) -> FastAPI:
    """The FastAPI application inside the middleware."""
    while not isinstance(app, FastAPI):
        app = app.app  # type: ignore[attr-defined]
    return app


@asynccontextmanager
async def serve(
    url: str, *, fast: bool = True, refresh: float = 1.0, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield an HTTP client bound to it.

    Rate limits are lifted unless a test sets them: most tests make many calls from one address.
    """
    settings.setdefault("rate_limit_anonymous_per_minute", 1_000_000)
    # The watchdog ends the process whose loop stalls: here that would be the test run itself.
    settings.setdefault("worker_stall_seconds", 0)
    app = create_app(Settings(database_url=url, snapshot_refresh_seconds=refresh, fast_path_enabled=fast, **settings))
    api = api_of(app)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def served_within_two_seconds(client: httpx.AsyncClient, path: str, done: Callable[[Any], bool]) -> Any:
    """GET path until its JSON satisfies done; fail when that takes more than 2 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0
    while not done(body := (await client.get(path)).json()):
        assert loop.time() < deadline, f"{path} did not show the change within 2 s"
        await asyncio.sleep(0.05)
    return body


@pytest.fixture
async def client(seeded_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app on the seeded database, through the snapshot fast path."""
    async with serve(seeded_url) as http:
        yield http


@contextmanager
def seeded_at(databases: EmptyDatabase, revision: str, **seed: Any) -> Iterator[tuple[Config, Engine]]:
    """A new database migrated to `revision` and seeded there (from the files given), as an earlier
    release left it; yields its Alembic config and engine."""
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, revision)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_seed(session=session, **seed)
        yield config, engine
    finally:
        engine.dispose()
