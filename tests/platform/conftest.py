"""Fixtures for the platform tests: keys made straight in the database, and a fresh database per test."""

from collections.abc import Callable
from typing import Any

import pytest
import redis
from sqlmodel import Session

from app.core.db import make_engine
from app.platform.keys.service import Scope, create_key
from tests.conftest import EmptyDatabase, migrate_and_seed, need_service

REDIS_URL = "redis://127.0.0.1:6379/0"


def make_key(url: str, *scopes: str, name: str = "tester", **options: Any) -> str:
    """Create a key in the database the way `backpain keys create` does; returns the key."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _, key = create_key(
                session=session,
                name=name,
                scopes=[Scope(scope) for scope in scopes],
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
    url = databases.create()
    migrate_and_seed(url)
    return url


@pytest.fixture
def key_for(fresh_url: str) -> Callable[..., str]:
    """Make keys on the test's own database."""

    def make(*scopes: str, **options: Any) -> str:
        return make_key(fresh_url, *scopes, **options)

    return make


@pytest.fixture
def redis_url() -> str:
    """The Redis that shared counters use; required in CI."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        need_service(f"Redis is not reachable at 127.0.0.1:6379: {type(exc).__name__}")
    finally:
        client.close()
    return REDIS_URL
