"""Checks every request's key, origin and rate limit before anything answers it."""

import asyncio
import time
from collections.abc import Awaitable

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Scope

from app.core.config import Settings
from app.core.edge import Exchange
from app.core.errors import AppError, Forbidden, TooManyRequests, Unauthorized, error_response
from app.core.representation import Headers
from app.platform.access.auth import PRINCIPAL
from app.platform.access.keys.service import KeyRing, Principal
from app.platform.access.ratelimit import RateLimits, Verdict
from app.platform.observability.metrics import RATE_LIMITED

RELOAD_INTERVAL = 0.25  # seconds between reloads of the keys for an unknown key

# Probes and scrapers are never limited.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

_ANONYMOUS = "anonymous"
_Counts = tuple[tuple[str, str, int], ...]  # (policy, identity, requests a minute) to count against


class Guard:
    """Resolves the API key, enforces its allowed origins, and counts the request against its limit."""

    def __init__(self, keyring: KeyRing, limits: RateLimits | None, settings: Settings) -> None:
        self.keyring = keyring
        self.limits = limits  # None: a gateway in front limits instead
        self.anonymous_limit = settings.rate_limit_anonymous_per_minute
        self.key_limit = settings.rate_limit_key_per_minute
        self.key_client_limit = settings.rate_limit_key_per_client_per_minute
        self._reloaded = 0.0
        self._reloading: asyncio.Future[None] | None = None

    def __call__(self, exchange: Exchange) -> Awaitable[int | None] | None:
        """The pipeline's stage: admit the request (its limit's headers join the response's), or refuse it.

        Most calls are admitted at once, with no waiting: one count that this process's lease can pay for
        (an anonymous call, or a known key's without origins to check). The rest wait on `check`."""
        scope = exchange.scope
        if scope["path"] in UNLIMITED_PATHS:
            return None
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        key = exchange.key
        limits = self.limits
        if limits is not None:
            principal = None
            if key is None or (principal := self.keyring.find(key.decode("latin-1"))) is not None:
                counts, refusal = self._policy(principal, ip, exchange.origin)
                if refusal is None and len(counts) == 1 and (headers := limits.spend(*counts[0])) is not None:
                    if principal is not None:
                        scope[PRINCIPAL] = principal
                    exchange.stamps += headers
                    return None
        return self._admit_or_refuse(exchange, key, ip)

    async def _admit_or_refuse(self, exchange: Exchange, key: bytes | None, ip: str) -> int | None:
        headers, refusal = await self.check(exchange.scope, key, exchange.origin, ip)
        exchange.stamps += headers
        return None if refusal is None else await exchange.forward(refusal)

    def _policy(self, principal: Principal | None, ip: str, origin: bytes | None) -> tuple[_Counts, AppError | None]:
        """What a request counts against, in order, and the refusal it gets once counted, if any: the one
        statement of the policy, for both ways of applying it (at once, and in `check`)."""
        if principal is None:
            return ((_ANONYMOUS, ip, self.anonymous_limit),), None
        per_key = ("key", principal.key_id, principal.rate_limit_per_minute or self.key_limit)
        if not principal.allowed_origins:
            return (per_key,), None
        # A key locked to a clinic's sites is public (it is in their pages): a refusal counts against
        # the caller's address, never the key, and each address gets only its share.
        if origin is None or origin.decode("latin-1").lower() not in principal.allowed_origins:
            return ((_ANONYMOUS, ip, self.anonymous_limit),), ForbiddenOrigin(
                _ORIGIN_REFUSAL if origin else _NO_ORIGIN_REFUSAL
            )
        return (("key-client", f"{principal.id} {ip}", self.key_client_limit), per_key), None

    async def check(
        self, scope: Scope, key: bytes | None, origin: bytes | None, ip: str
    ) -> tuple[Headers, Response | None]:
        """Headers to add to the response, and the refusal to send instead of answering, if any."""
        principal = None
        if key is not None:
            presented = key.decode("latin-1")
            principal = self.keyring.find(presented)
            if principal is None:
                # Guessing keys is limited like any anonymous call from the address.
                verdict = await self._count(_ANONYMOUS, ip, self.anonymous_limit)
                if verdict is not None and not verdict.allowed:
                    return _over(verdict)
                principal = await self._find_new(presented)
                if principal is None:
                    return _refuse(verdict, Unauthorized("The API key is unknown or revoked."))
            scope[PRINCIPAL] = principal
        counts, refusal = self._policy(principal, ip, origin)
        verdict = None
        for count in counts:
            verdict = await self._count(*count)
            if verdict is not None and not verdict.allowed:
                return _over(verdict)
        if refusal is not None:
            return _refuse(verdict, refusal)
        return (verdict.headers if verdict is not None else []), None

    async def _find_new(self, key: str) -> Principal | None:
        """A key made since the last reload (say by the CLI a moment ago): reload the keys, at most
        a few times a second, and look again. Requests that arrive during a reload wait for it, so a
        burst of calls with a new key all succeed."""
        if self._reloading is None:
            if time.monotonic() - self._reloaded < RELOAD_INTERVAL:
                return None
            self._reloading = asyncio.ensure_future(self._reload())
        await asyncio.shield(self._reloading)
        return self.keyring.find(key)

    async def _reload(self) -> None:
        try:
            await run_in_threadpool(self.keyring.refresh)
        except Exception:  # the database is down: the keys in memory are all there is
            pass
        finally:
            self._reloaded = time.monotonic()
            self._reloading = None

    async def _count(self, policy: str, identity: str, per_minute: int) -> Verdict | None:
        return await self.limits.hit(policy, identity, per_minute) if self.limits is not None else None


class ForbiddenOrigin(Forbidden):
    code = "forbidden-origin"


_ORIGIN_REFUSAL = "This API key is not allowed from this origin."
_NO_ORIGIN_REFUSAL = "This API key is locked to its websites: send it from one of them, with their Origin."


def _over(verdict: Verdict) -> tuple[Headers, Response]:
    RATE_LIMITED.labels(verdict.policy).inc()
    detail = f"Over the limit of {verdict.limit} requests a minute."
    return _refuse(verdict, TooManyRequests(detail, headers={"Retry-After": str(verdict.reset)}))


def _refuse(verdict: Verdict | None, refusal: AppError) -> tuple[Headers, Response]:
    return (verdict.headers if verdict else []), error_response(refusal)
