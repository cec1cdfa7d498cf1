"""Rate limits per key and per client IP, counted by the `limits` library in memory or in Redis.

A worker does not ask the shared counter about every request. It takes a lease of up to 1% of a
limit at once (`incr` by that amount, which `limits` makes atomic in Redis) and spends it locally.
So a key limited to 1200 a minute costs one Redis round trip per 12 requests, and a limit under 200
a minute asks on every request and is exact across every worker. Tokens leased but unspent when a
window ends make the others get slightly less, never more: at most 1% of the limit per other worker.

Concurrent requests that find the lease spent share one lease request in flight, and what it grants
adds to the lease, so no granted token is thrown away (that would refuse requests within the limit).

When Redis fails or hangs, a circuit breaker stops asking it for a few seconds and counts in this
process instead: every worker then limits on its own (a little looser across workers, never off),
and requests do not wait on a dead store. The change of state is logged once and shown as a metric.
"""

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

if TYPE_CHECKING:
    from redis.asyncio import ConnectionPool

from app.core.outage import Outage
from app.platform.observability.metrics import RATE_LIMIT_STORE_FALLBACK

logger = logging.getLogger("app.ratelimit")

WINDOW_SECONDS = 60
LEASE_FRACTION = 100  # a lease is at most 1/100 of the limit
BACKOFF_SECONDS = 5.0  # how long a failed store is left alone before it is tried again
STORE_TIMEOUT_SECONDS = 0.25


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
        return _headers(self.policy, self.limit, self.remaining, self.reset)


def _shown(remaining: int, limit: int) -> int:
    """The remaining count as the header says it: rounded down to a hundredth of the limit, so that
    its bytes change at most a hundred times a window (exact for limits under 200)."""
    return remaining - remaining % max(1, limit // LEASE_FRACTION)


def _headers(policy: str, limit: int, remaining: int, reset: int) -> list[tuple[bytes, bytes]]:
    shown = _shown(remaining, limit)
    return [_policy_header(policy, limit), (b"ratelimit", b'"%s";r=%d;t=%d' % (policy.encode(), shown, reset))]


@lru_cache(maxsize=1024)
def _policy_header(policy: str, limit: int) -> tuple[bytes, bytes]:
    return b"ratelimit-policy", b'"%s";q=%d;w=%d' % (policy.encode(), limit, WINDOW_SECONDS)


@dataclass(slots=True)
class _Lease:
    tokens: int  # requests this worker may still allow in the window
    unleased: int  # what the shared counter had left when the lease was taken
    resets_at: float
    # The headers of this moment, which hold while `tokens` is at least `floor` and until `stale_at`:
    # then the remaining count or the seconds to the reset they say changes.
    headers: list[tuple[bytes, bytes]] | None = None
    floor: int = 0
    stale_at: float = 0.0


def _reset(resets_at: float, now: float) -> int:
    return min(WINDOW_SECONDS, max(1, math.ceil(resets_at - now)))


class RateLimits:
    """Fixed one-minute windows; the counters live in Redis when a URL is given, else in this process."""

    def __init__(self, redis_url: str | None = None, *, backoff: float = BACKOFF_SECONDS) -> None:
        self.local = MemoryStorage()
        self.storage: Storage = self.local
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Imported only when counters are shared: a worker counting in its own memory never loads Redis.
            from redis.asyncio import ConnectionPool as RedisPool

            # Our own pool, so that close() can release its connections.
            self._pool = RedisPool.from_url(
                redis_url, socket_timeout=STORE_TIMEOUT_SECONDS, socket_connect_timeout=STORE_TIMEOUT_SECONDS
            )
            # `limits` documents connection_pool, though its annotation of **options leaves it out.
            pool: dict[str, Any] = {"connection_pool": self._pool}
            self.storage = RedisStorage(f"async+{redis_url}", implementation="redispy", **pool)
        self.backoff = backoff
        self._items: dict[int, RateLimitItem] = {}
        self._leases: dict[tuple[str, str, int], _Lease] = {}
        self._asking: dict[tuple[str, str, int], asyncio.Future[_Lease]] = {}
        self._open_until = 0.0  # the circuit: until then, count in this process
        self.outage = Outage(
            logger,
            began="rate-limit store unreachable (%s): counting in each process until it answers",
            ended="rate-limit store recovered: counting in it again",
            changed=lambda failing: RATE_LIMIT_STORE_FALLBACK.set(int(failing)),
        )

    async def close(self) -> None:
        """Release the connections to Redis."""
        if self._pool is not None:
            await self._pool.aclose()

    def spend(self, policy: str, identity: str, per_minute: int) -> list[tuple[bytes, bytes]] | None:
        """The common verdict, with no waiting and no allocation: a token of a live lease spent, and the
        RateLimit headers of this moment (made again only when what they say changes). None when the
        lease must be taken first: `hit` does that, and says whether the request is allowed."""
        lease = self._leases.get((policy, identity, per_minute))
        if lease is None or lease.tokens == 0:
            return None
        now = time.time()
        if lease.resets_at <= now:
            return None
        lease.tokens -= 1
        if lease.headers is None or lease.tokens < lease.floor or now >= lease.stale_at:
            remaining = _shown(lease.unleased + lease.tokens, per_minute)
            reset = _reset(lease.resets_at, now)
            lease.headers = _headers(policy, per_minute, remaining, reset)
            lease.floor = remaining - lease.unleased
            lease.stale_at = lease.resets_at - (reset - 1)
        return lease.headers

    async def hit(self, policy: str, identity: str, per_minute: int) -> Verdict:
        """Count one request against the limit."""
        key = (policy, identity, per_minute)
        now = time.time()
        lease = self._leases.get(key)
        # Each turn awaits a lease request that has not finished (it is taken out of `_asking` as it
        # finishes), so it yields to the loop; and each request counts against the store, so the shared
        # counter grows until the lease has tokens or nothing is left unleased.
        while lease is None or lease.resets_at <= now or (lease.tokens == 0 and lease.unleased > 0):
            asking = self._asking.get(key)
            if asking is None or asking.done():
                asking = self._asking[key] = asyncio.ensure_future(self._ask(key))
            lease = await asyncio.shield(asking)
            now = time.time()
        allowed = lease.tokens > 0
        if allowed:
            lease.tokens -= 1
        return Verdict(allowed, policy, per_minute, lease.unleased + lease.tokens, _reset(lease.resets_at, now))

    async def _count(self, key: str, item: RateLimitItem, size: int) -> tuple[int, float]:
        """Add `size` to the shared counter, or to this process's while the circuit is open."""
        if self.storage is not self.local and time.monotonic() >= self._open_until:
            try:
                count = await self.storage.incr(key, item.get_expiry(), amount=size)
                resets_at = await self.storage.get_expiry(key)
            except Exception as exc:
                self._open_until = time.monotonic() + self.backoff
                self.outage.failed(exc)
            else:
                self.outage.answered()
                return count, resets_at
        return await self.local.incr(key, item.get_expiry(), amount=size), await self.local.get_expiry(key)

    async def _ask(self, key: tuple[str, str, int]) -> _Lease:
        """One lease request shared by the requests that wait for it; no longer shared once it ends."""
        try:
            return await self._lease(*key)
        finally:
            self._asking.pop(key, None)

    async def _lease(self, policy: str, identity: str, per_minute: int) -> _Lease:
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        key = item.key_for(policy, identity)
        size = max(1, per_minute // LEASE_FRACTION)
        count, resets_at = await self._count(key, item, size)
        granted = max(0, min(size, per_minute - (count - size)))
        unleased = max(0, per_minute - count)
        lease = self._leases.get((policy, identity, per_minute))
        if lease is not None and lease.resets_at == resets_at:  # the same window: add to what is left
            lease.tokens += granted
            lease.unleased = unleased
            return lease
        lease = _Lease(granted, unleased, resets_at)
        if len(self._leases) > 100_000:  # many clients seen once: forget them all rather than grow
            self._leases.clear()
        self._leases[policy, identity, per_minute] = lease
        return lease
