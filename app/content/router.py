"""The documented read API for content; the snapshot answers, these routes are the contract."""

from typing import Annotated, Any, Literal, Protocol, cast

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from app.content.documents import Published, guide_representation, linked_data_representation
from app.content.jsonld import Publisher
from app.content.models import SLUG_MAX_LENGTH, SLUG_PATTERN
from app.content.queries import PARAMETERS, Filters, ListQuery, filters_dependency, unknown_parameters
from app.content.schemas import (
    CausePublic,
    ConditionPublic,
    SourcePublic,
    SymptomPublic,
    TreatmentPublic,
)
from app.core.cursors import CURSOR_MAX_LENGTH, CURSOR_PATTERN
from app.core.deps import ServicesDep, public_base, settings
from app.core.errors import problem_responses
from app.core.media import HTML, LD_JSON, accepts
from app.core.openapi_docs import INT32, cached_responses
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.representation import PreparedResponse, Representation, represent

router = APIRouter(prefix="/v1", tags=["content"])

SlugPath = Annotated[
    str,
    Path(
        description="The item's slug.",
        pattern=SLUG_PATTERN,
        max_length=SLUG_MAX_LENGTH,
        examples=["back-spasms"],
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page, 1 to 100.", json_schema_extra=INT32)]
CursorQuery = Annotated[
    str | None,
    Query(
        description="Opaque position from a previous page's `next_cursor`.",
        pattern=CURSOR_PATTERN,
        max_length=CURSOR_MAX_LENGTH,
    ),
]


class ContentView(Published, Protocol):
    """What the content routes read from the snapshot in memory: prepared lists and details, and the
    parsed items their JSON-LD and pages are made from."""

    def page(self, collection: str, query: ListQuery) -> Representation: ...

    def detail(self, collection: str, slug: str) -> Representation: ...


def content_view(services: ServicesDep) -> ContentView:
    """The snapshot in memory, read as this domain's view (`app.serving.views` checks that it is one)."""
    return cast(ContentView, services.snapshot())


ContentDep = Annotated[ContentView, Depends(content_view)]

_LINK: dict[str, Any] = {
    "Link": {"description": 'The next page, as `<url>; rel="next"`.', "schema": {"type": "string", "maxLength": 2000}}
}


# Not a second media type in the 200: generated clients would type every detail as a union with it.
_LINKED_DATA_DOC = (
    " With `Accept: application/ld+json` the same URL answers with schema.org JSON-LD instead: a "
    "`MedicalWebPage` about the item (`MedicalCondition`, `MedicalCause`, `MedicalSignOrSymptom` or "
    "`MedicalTherapy`), or a `CreativeWork` for a source; see the schema.org guide."
)


def _list_problems() -> dict[int | str, dict[str, Any]]:
    problems = problem_responses(400, 422, 503)
    problems[422] = {
        **problems[422],
        "description": "A parameter has an invalid value, or is not one this list takes; `errors` says which.",
    }
    return problems


def _add_collection(collection: str, noun: str, model: type[BaseModel]) -> None:
    filters = filters_dependency(collection)

    @router.get(
        f"/{collection}",
        name=f"list_{collection}",
        summary=f"List {collection}",
        description=f"Published {collection}, ordered by slug, one page at a time. It takes "
        f"{', '.join(f'`{name}`' for name in PARAMETERS[collection])}; any other parameter is a 422 problem.",
        response_model=Page[model],  # type: ignore[valid-type]
        responses={**cached_responses(extra_headers=_LINK), **_list_problems()},
        dependencies=[Depends(unknown_parameters(collection))],  # first: before the filters are read
    )
    async def list_items(
        request: Request,
        snapshot: ContentDep,
        chosen: Annotated[Filters, Depends(filters)],
        limit: LimitQuery = DEFAULT_LIMIT,
        cursor: CursorQuery = None,
    ) -> PreparedResponse:
        query = ListQuery(limit=limit, cursor=cursor, filters=chosen)
        return represent(snapshot.page(collection, query), request.headers.raw)

    @router.get(
        f"/{collection}/{{slug}}",
        name=f"get_{noun}",
        summary=f"Get one {noun}",
        description=f"The published {noun} with this slug." + _LINKED_DATA_DOC,
        response_model=model,
        responses={**cached_responses(), **problem_responses(404, 422, 503)},
    )
    async def get_item(request: Request, snapshot: ContentDep, slug: SlugPath) -> PreparedResponse:
        if accepts(request.headers.get("accept"), LD_JSON):
            publisher = Publisher.of(settings(request))
            linked = linked_data_representation(
                snapshot, collection, slug, publisher=publisher, base=public_base(request)
            )
            return represent(linked, request.headers.raw)
        return represent(snapshot.detail(collection, slug), request.headers.raw)


_ROUTES: list[tuple[str, str, type[BaseModel]]] = [
    ("conditions", "condition", ConditionPublic),
    ("causes", "cause", CausePublic),
    ("symptoms", "symptom", SymptomPublic),
    ("treatments", "treatment", TreatmentPublic),
    ("sources", "source", SourcePublic),
]
for _collection, _noun, _model in _ROUTES:
    _add_collection(_collection, _noun, _model)

pages = APIRouter(tags=["content"])


@pages.get(
    "/guide/{collection}/{slug}",
    summary="An item's page",
    description="A plain HTML page of a published condition, cause, symptom or treatment, for patients: "
    "where Infobutton links and the JSON-LD `url` lead. Its schema.org JSON-LD is inside.",
    response_class=HTMLResponse,
    responses={
        **cached_responses(
            {"content": {HTML: {"schema": {"type": "string", "maxLength": 1048576}}}, "description": "The page."}
        ),
        **problem_responses(404, 422, 503),
    },
)
async def get_guide_page(
    request: Request,
    snapshot: ContentDep,
    collection: Annotated[Literal["conditions", "causes", "symptoms", "treatments"], Path(description="The list.")],
    slug: SlugPath,
) -> PreparedResponse:
    """The item's page, under a strict Content-Security-Policy."""
    publisher = Publisher.of(settings(request))
    page = guide_representation(snapshot, collection, slug, publisher=publisher, base=public_base(request))
    return represent(page, request.headers.raw)
