"""Rate limits per key and per client IP, counted by the `limits` library in memory or in Redis.

A worker does not ask the shared counter about every request. It takes a lease of up to 1% of a
limit at once (`incr` by that amount, which `limits` makes atomic in Redis) and spends it locally.
So a key limited to 1200 a minute costs one Redis round trip per 12 requests, and a limit under 200
a minute asks on every request and is exact across every worker. Tokens leased but unspent when a
window ends make the others get slightly less, never more: at most 1% of the limit per other worker.
"""

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

logger = logging.getLogger("app.ratelimit")

WINDOW_SECONDS = 60
LEASE_FRACTION = 100  # a lease is at most 1/100 of the limit


class Verdict(NamedTuple):
    """The outcome of one hit: whether it is allowed and the header values that describe it."""

    allowed: bool
    policy: str
    limit: int
    remaining: int
    reset: int

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        """RateLimit-Policy and RateLimit, as in draft-ietf-httpapi-ratelimit-headers."""
        return [
            _policy_header(self.policy, self.limit),
            (b"ratelimit", b'"%s";r=%d;t=%d' % (self.policy.encode(), self.remaining, self.reset)),
        ]


@lru_cache(maxsize=1024)
def _policy_header(policy: str, limit: int) -> tuple[bytes, bytes]:
    return b"ratelimit-policy", b'"%s";q=%d;w=%d' % (policy.encode(), limit, WINDOW_SECONDS)


@dataclass(slots=True)
class _Lease:
    tokens: int  # requests this worker may still allow in the window
    unleased: int  # what the shared counter had left when the lease was taken
    resets_at: float


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
        self._leases: dict[tuple[str, str, int], _Lease] = {}
        self.failing = False

    async def hit(self, policy: str, identity: str, per_minute: int) -> Verdict | None:
        """Count one request; None when the counter store is unreachable (the request is let through)."""
        now = time.time()
        lease = self._leases.get((policy, identity, per_minute))
        if lease is None or lease.resets_at <= now or (lease.tokens == 0 and lease.unleased > 0):
            lease = await self._lease(policy, identity, per_minute)
            if lease is None:
                return None
        allowed = lease.tokens > 0
        if allowed:
            lease.tokens -= 1
        reset = min(WINDOW_SECONDS, max(1, math.ceil(lease.resets_at - now)))
        return Verdict(allowed, policy, per_minute, lease.unleased + lease.tokens, reset)

    async def _lease(self, policy: str, identity: str, per_minute: int) -> _Lease | None:
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        key = item.key_for(policy, identity)
        size = max(1, per_minute // LEASE_FRACTION)
        try:
            count = await self.storage.incr(key, item.get_expiry(), amount=size)
            resets_at = await self.storage.get_expiry(key)
        except Exception as exc:
            if not self.failing:  # once per outage
                logger.warning("rate-limit store unreachable, not limiting: %s", type(exc).__name__)
            self.failing = True
            return None
        if self.failing:
            logger.warning("rate-limit store recovered")
            self.failing = False
        granted = max(0, min(size, per_minute - (count - size)))
        lease = _Lease(granted, max(0, per_minute - count), resets_at)
        if len(self._leases) > 100_000:  # many clients seen once: forget them all rather than grow
            self._leases.clear()
        self._leases[policy, identity, per_minute] = lease
        return lease
