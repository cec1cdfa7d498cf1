"""The services some tests need (PostgreSQL, Redis): where they answer, and what a missing one means."""

import os

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = "redis://127.0.0.1:6379/0"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip with the reason, or fail when CI requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def postgres_admin_engine() -> Engine:
    """An AUTOCOMMIT engine on the PostgreSQL server; skips (or fails) when it does not answer."""
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        need_service(f"PostgreSQL is not reachable at {make_url(POSTGRES_ADMIN_URL).host}: {type(exc).__name__}")
    return engine
