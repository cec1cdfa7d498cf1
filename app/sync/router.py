"""Mobile sync: GET /v1/export for a first launch, then GET /v1/changes for what changed since."""

from typing import Annotated, Any, Protocol, cast

from fastapi import APIRouter, Depends, Query, Request

from app.core.cursors import CURSOR_MAX_LENGTH, CURSOR_PATTERN
from app.core.deps import ServicesDep
from app.core.errors import problem_responses
from app.core.openapi_docs import INT32, cached_responses
from app.core.representation import PreparedResponse, Representation, represent
from app.sync.feed import CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT, decode_position
from app.sync.schemas import ChangesPage, Export

router = APIRouter(prefix="/v1", tags=["sync"])


class SyncView(Protocol):
    """What the sync routes read from the snapshot in memory."""

    def export(self) -> Representation: ...

    def changes(self, since: int | None, limit: int) -> Representation: ...


def sync_view(services: ServicesDep) -> SyncView:
    """The snapshot in memory, read as this domain's view (`app.serving.views` checks that it is one)."""
    return cast(SyncView, services.snapshot())


SyncDep = Annotated[SyncView, Depends(sync_view)]


def _ok(description: str) -> dict[str, Any]:
    return {"description": description}


@router.get(
    "/export",
    summary="Export every published item",
    response_model=Export,
    responses={
        **cached_responses(
            _ok(
                "`{cursor, data}`: every published item as its public representation (each has `type`), "
                "and the cursor to pass to /v1/changes next. `Cache-Control: public, no-cache`: revalidate "
                "with the ETag. `ruleset` is the triage ruleset in force, for `/triage-engine.js`.",
            )
        ),
        **problem_responses(503),
    },
)
async def export_content(request: Request, snapshot: SyncDep) -> PreparedResponse:
    """One document with every published item, for a mobile app's first launch."""
    return represent(snapshot.export(), request.headers.raw)


@router.get(
    "/changes",
    summary="What changed since a sync cursor",
    response_model=ChangesPage,
    responses={
        **cached_responses(
            _ok(
                "`{data, next_cursor, has_more}`: the newest change of each item changed after `since`, oldest "
                "first. `upsert` carries the item as the public endpoints show it (or, for `type: ruleset`, the "
                "new triage ruleset); `delete` is a tombstone with `item: null`. Store `next_cursor`; fetch again "
                "while `has_more` is true.",
            )
        ),
        **problem_responses(400, 410, 422, 503),
    },
)
async def list_changes(
    request: Request,
    snapshot: SyncDep,
    since: Annotated[
        str | None,
        Query(
            description="The `cursor` of an export or the `next_cursor` of a previous page; "
            "leave it out to get every item's newest change.",
            pattern=CURSOR_PATTERN,
            max_length=CURSOR_MAX_LENGTH,
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(ge=1, le=CHANGES_MAX_LIMIT, description="Most changes per page, 1 to 1000.", json_schema_extra=INT32),
    ] = CHANGES_DEFAULT_LIMIT,
) -> PreparedResponse:
    """Created, updated, unpublished and deleted items after the cursor; applied to an export, they give
    exactly the current export."""
    position = decode_position(since) if since is not None else None
    return represent(snapshot.changes(position, limit), request.headers.raw)
