"""Database engine, sessions and the migration head."""

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from app.core.config import Settings, get_settings
from app.core.deps import services

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def make_engine(url: str, *, connect_timeout: int = Settings.model_fields["db_connect_timeout"].default) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL, with short connect timeouts (seconds)."""
    parsed = make_url(url)
    timeout = connect_timeout
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})
        event.listen(engine, "connect", _sqlite_manual_transactions)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": timeout})


_WRITES = "backpain_writes"


def _sqlite_manual_transactions(dbapi_connection: Any, _: object) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener opens every transaction itself
    # Readers and the one writer do not block each other.
    dbapi_connection.execute("PRAGMA journal_mode=WAL")


def _sqlite_begin(connection: Connection) -> None:
    # A transaction that will write takes the write lock at its start, so concurrent writers queue
    # for it instead of failing with "database is locked" when one tries to upgrade a read lock.
    writes = connection.get_execution_options().get(_WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def read_consistently(session: Session) -> None:
    """Make every query of the session's next transaction see one committed state (call it first)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    # SQLite: one transaction always sees one state.


def get_session(request: Request) -> Iterator[Session]:
    """A session on the app's engine, for reads."""
    with Session(services(request).engine) as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """A session whose first transaction writes; the service commits it."""
    with Session(services(request).engine) as session:
        session.connection(execution_options={_WRITES: True})
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for DATABASE_URL."""
    settings = get_settings()
    return make_engine(settings.database_url, connect_timeout=settings.db_connect_timeout)


def alembic_config(url: str | None = None) -> "Config":
    """Alembic configuration from pyproject.toml, pointed at the given database URL."""
    from alembic.config import Config  # here: a serving worker that never migrates does not load alembic

    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url or get_settings().database_url
    return config


@lru_cache
def migration_head() -> str | None:
    """The newest migration revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_version(engine: Engine) -> str | None:
    """The migration the database is at; SQLAlchemyError when it has none or does not answer."""
    with engine.connect() as connection:
        version: str | None = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return version


def schema_is_current(engine: Engine) -> bool:
    """True when the database answers and its schema is at the newest migration."""
    return schema_version(engine) == migration_head()
