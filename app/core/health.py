"""Liveness and readiness probes."""

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.core.db import schema_is_current
from app.core.deps import services
from app.core.errors import ServiceUnavailable, problem_responses
from app.core.media import JSON
from app.core.representation import PreparedResponse, Representation, represent

router = APIRouter(tags=["health"])

_NO_STORE = b"no-store"


def _status(request: Request, body: dict[str, str]) -> PreparedResponse:
    return represent(Representation.build(orjson.dumps(body), cache_control=_NO_STORE), request.headers.raw)


@router.get(
    "/healthz",
    summary="Liveness",
    responses={200: {"content": {JSON: {"example": {"status": "ok"}}}}},
)
async def check_health(request: Request) -> PreparedResponse:
    """Answers while the process is up; never touches the database."""
    return _status(request, {"status": "ok"})


@router.get(
    "/readyz",
    summary="Readiness",
    responses={
        200: {"content": {JSON: {"example": {"status": "ready"}}}},
        **problem_responses(503),
    },
)
async def check_readiness(request: Request) -> PreparedResponse:
    """200 only when the database answers and its schema is at the newest migration."""
    try:
        current = await run_in_threadpool(schema_is_current, services(request).engine)
    except Exception:
        raise ServiceUnavailable("The database is not reachable.") from None
    if not current:
        raise ServiceUnavailable("The database schema is not at the newest migration.")
    return _status(request, {"status": "ready"})
