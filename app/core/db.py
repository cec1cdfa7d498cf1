"""Database engine, sessions and the migration head."""

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import create_engine

from app.core.config import get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL, with short connect timeouts."""
    parsed = make_url(url)
    timeout = get_settings().db_connect_timeout
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": timeout})


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for DATABASE_URL."""
    return make_engine(get_settings().database_url)


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration from pyproject.toml, pointed at the given database URL."""
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url or get_settings().database_url
    return config


@lru_cache
def migration_head() -> str | None:
    """The newest migration revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_is_current(engine: Engine) -> bool:
    """True when the database answers and its schema is at the newest migration."""
    with engine.connect() as connection:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return current == migration_head()
