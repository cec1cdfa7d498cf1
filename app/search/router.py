"""GET /v1/search: ranked hits across every published item."""

from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Query, Request

from app.content.models import ItemType
from app.core.deps import ServicesDep
from app.core.errors import problem_responses
from app.core.media import JSON
from app.core.openapi_docs import INT32, cached_responses
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.core.representation import PreparedResponse, Representation, represent
from app.core.text import TEXT_PATTERN

router = APIRouter(prefix="/v1", tags=["search"])


class Searchable(Protocol):
    """What the search route reads from the snapshot in memory."""

    def search_results(self, query: str, *, kind: str | None, limit: int) -> Representation: ...


def searchable(services: ServicesDep) -> Searchable:
    """The snapshot in memory, read as this domain's view (`app.serving.views` checks that it is one)."""
    return cast(Searchable, services.snapshot())


SearchDep = Annotated[Searchable, Depends(searchable)]

_HITS_EXAMPLE = {
    "data": [
        {
            "type": "treatment",
            "slug": "gentle-stretching",
            "name": "Gentle stretching",
            "summary": "Easy stretches help the tight muscles relax and keep the back moving.",
        }
    ]
}


@router.get(
    "/search",
    summary="Search all published items",
    responses={
        **cached_responses(
            {
                "content": {JSON: {"example": _HITS_EXAMPLE}},
                "description": "Hits, best first: `{data: [{type, slug, name, summary}]}`; `{data: []}` when none.",
            }
        ),
        **problem_responses(422, 503),
    },
)
async def search_content(
    request: Request,
    snapshot: SearchDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=200, pattern=TEXT_PATTERN, description="Words to find; word forms match."),
    ],
    kind: Annotated[ItemType | None, Query(alias="type", description="Only items of this type.")] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Most hits to return, 1 to 100.", json_schema_extra=INT32)
    ] = DEFAULT_LIMIT,
) -> PreparedResponse:
    """Items holding every word of `q` (as any word form), names ranking above summaries and bodies."""
    found = snapshot.search_results(q, kind=kind.value if kind else None, limit=limit)
    return represent(found, request.headers.raw)
