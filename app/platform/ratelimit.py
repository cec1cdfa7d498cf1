"""Rate limits per key and per client IP, counted by the `limits` library in memory or in Redis."""

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

logger = logging.getLogger("app.ratelimit")

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one hit: whether it is allowed and the header values that describe it."""

    allowed: bool
    policy: str
    limit: int
    remaining: int
    reset: int

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        """RateLimit-Policy and RateLimit, as in draft-ietf-httpapi-ratelimit-headers."""
        name = self.policy.encode()
        return [
            (b"ratelimit-policy", b'"%s";q=%d;w=%d' % (name, self.limit, WINDOW_SECONDS)),
            (b"ratelimit", b'"%s";r=%d;t=%d' % (name, self.remaining, self.reset)),
        ]


class RateLimits:
    """Fixed one-minute windows; the counters live in Redis when a URL is given, else in this process."""

    def __init__(self, redis_url: str | None = None) -> None:
        self.storage: Storage = (
            RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )
            if redis_url
            else MemoryStorage()
        )
        self._items: dict[int, RateLimitItem] = {}
        self.failing = False

    async def hit(self, policy: str, identity: str, per_minute: int) -> Verdict | None:
        """Count one request; None when the counter store is unreachable (the request is let through)."""
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        key = item.key_for(policy, identity)
        try:
            count = await self.storage.incr(key, item.get_expiry())
            expiry = await self.storage.get_expiry(key)
        except Exception as exc:
            if not self.failing:  # once per outage
                logger.warning("rate-limit store unreachable, not limiting: %s", type(exc).__name__)
            self.failing = True
            return None
        if self.failing:
            logger.warning("rate-limit store recovered")
            self.failing = False
        reset = max(1, math.ceil(expiry - time.time()))
        return Verdict(count <= per_minute, policy, per_minute, max(0, per_minute - count), reset)
