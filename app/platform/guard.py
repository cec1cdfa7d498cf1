"""Checks every request's key, origin and rate limit before anything answers it."""

from starlette.responses import Response
from starlette.types import Scope

from app.core.config import Settings
from app.core.errors import AppError, Forbidden, TooManyRequests, Unauthorized, error_response
from app.core.http import Headers
from app.platform.auth import PRINCIPAL
from app.platform.keys.service import KeyRing
from app.platform.metrics import RATE_LIMITED
from app.platform.ratelimit import RateLimits, Verdict

# Probes and scrapers are never limited.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class Guard:
    """Resolves the API key, enforces its allowed origins, and counts the request against its limit."""

    def __init__(self, keyring: KeyRing, limits: RateLimits | None, settings: Settings) -> None:
        self.keyring = keyring
        self.limits = limits  # None: a gateway in front limits instead
        self.anonymous_limit = settings.rate_limit_anonymous_per_minute
        self.key_limit = settings.rate_limit_key_per_minute

    async def __call__(self, scope: Scope, key: bytes | None, origin: bytes | None) -> tuple[Headers, Response | None]:
        """Headers to add to the response, and the refusal to send instead of answering, if any."""
        if scope["path"] in UNLIMITED_PATHS:
            return [], None
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        principal = self.keyring.find(key.decode("latin-1")) if key is not None else None
        if principal is None:
            verdict = await self._count("anonymous", ip, self.anonymous_limit)
            if key is not None and (verdict is None or verdict.allowed):
                return _refuse(verdict, Unauthorized("The API key is unknown or revoked."))
        else:
            scope[PRINCIPAL] = principal
            limit = principal.rate_limit_per_minute or self.key_limit
            verdict = await self._count("key", str(principal.id), limit)
            if (
                principal.allowed_origins
                and origin is not None
                and origin.decode("latin-1").lower() not in (principal.allowed_origins)
            ):
                return _refuse(verdict, ForbiddenOrigin("This API key is not allowed from this origin."))
        if verdict is None:
            return [], None
        if not verdict.allowed:
            RATE_LIMITED.labels(verdict.policy).inc()
            detail = f"Over the limit of {verdict.limit} requests a minute."
            return _refuse(verdict, TooManyRequests(detail, headers={"Retry-After": str(verdict.reset)}))
        return verdict.headers, None

    async def _count(self, policy: str, identity: str, per_minute: int) -> Verdict | None:
        return await self.limits.hit(policy, identity, per_minute) if self.limits is not None else None


class ForbiddenOrigin(Forbidden):
    code = "forbidden-origin"


def _refuse(verdict: Verdict | None, refusal: AppError) -> tuple[Headers, Response]:
    return (verdict.headers if verdict else []), error_response(refusal)
