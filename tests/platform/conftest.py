"""Fixtures for the platform tests: Redis."""

import pytest
import redis

from tests.helpers.services import REDIS_URL, need_service


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
