"""Scope checks for the routes: the key itself was already resolved at the edge."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from app.core.errors import Forbidden, Unauthorized
from app.platform.access.keys.service import KeyScope, Principal

PRINCIPAL = "backpain.principal"

# Declared for OpenAPI's security schemes; the edge has already checked whichever was sent.
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer bpk_...`", scheme_name="bearer")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: bpk_...`", scheme_name="apiKey")


def principal_of(request: Request) -> Principal | None:
    """The caller's key as the edge resolved it, or None for an anonymous call."""
    found = request.scope.get(PRINCIPAL)
    return found if isinstance(found, Principal) else None


def require(scope: KeyScope) -> Callable[..., Principal]:
    """A dependency that returns the calling key, or raises 401 without one and 403 without the scope."""

    def check(
        request: Request,
        _bearer_key: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
        _header_key: Annotated[str | None, Security(_header)],
    ) -> Principal:
        principal = principal_of(request)
        if principal is None:
            raise Unauthorized("This needs an API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`.")
        if not principal.can(scope):
            raise Forbidden(f"This API key lacks the '{scope.value}' scope.")
        return principal

    return check


Editor = Annotated[Principal, Depends(require(KeyScope.edit))]
Admin = Annotated[Principal, Depends(require(KeyScope.admin))]
