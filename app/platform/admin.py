"""What the admin routes share: never cached, JSON, paged like the public lists, and their problem responses."""

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from app.core.cursors import CURSOR_MAX_LENGTH, CURSOR_PATTERN, decode_cursor, encode_cursor
from app.core.errors import BadRequest, problem_responses
from app.core.media import JSON_CONTENT_TYPE
from app.core.openapi_docs import INT32, INT32_MAX
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

Row = TypeVar("Row")
Position = TypeVar("Position")
View = TypeVar("View", bound=BaseModel)
Problems = dict[int | str, dict[str, Any]]


class AdminJSONResponse(JSONResponse):
    """A JSON body whose Content-Type names its charset, as every JSON body of the API does."""

    # The class keeps `application/json` for OpenAPI; each response states the charset.
    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type or JSON_CONTENT_TYPE.decode(), background)


def no_store(response: Response) -> None:
    """Admin answers hold secrets and drafts: no cache on the way may keep them (problems say so too)."""
    response.headers["Cache-Control"] = "no-store"


NO_STORE = Depends(no_store)


LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="Entries per page, 1 to 100.", json_schema_extra=INT32)
]
CursorQuery = Annotated[
    str | None,
    Query(
        description="Opaque position from a previous page's `next_cursor`.",
        pattern=CURSOR_PATTERN,
        max_length=CURSOR_MAX_LENGTH,
    ),
]


class Paging:
    """The page a list request asks for (`limit`, `cursor`); it answers `{data, next_cursor}` and a `Link`."""

    def __init__(
        self, request: Request, response: Response, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
    ) -> None:
        self.limit = limit
        self.cursor = cursor
        self._path = request.url.path
        self._response = response

    def position(self, parse: Callable[[str], Position]) -> Position | None:
        """The position the cursor points at, parsed; BadRequest when it is not one of ours."""
        if self.cursor is None:
            return None
        try:
            return parse(decode_cursor(self.cursor))
        except ValueError:
            raise BadRequest("The cursor is not valid; start again without one.") from None

    def page(self, rows: Sequence[Row], *, key: Callable[[Row], object], view: Callable[[Row], View]) -> Page[View]:
        """The page of `rows`, which may hold one extra to show that more follow, and a `Link` to the next."""
        limit = self.limit
        cursor = encode_cursor(str(key(rows[limit - 1]))) if len(rows) > limit else None
        if cursor is not None:
            query = urlencode({"limit": limit, "cursor": cursor})
            self._response.headers["Link"] = f'<{self._path}?{query}>; rel="next"'
        return Page(data=[view(row) for row in rows[:limit]], next_cursor=cursor)


PagingDep = Annotated[Paging, Depends()]


def row_number(text: str) -> int:
    """A row number from a cursor: a whole number a database integer column can hold, else ValueError."""
    number = int(text)
    if not 0 <= number <= INT32_MAX:
        raise ValueError(f"{number} is out of range")
    return number


# What any admin route can answer: no key or the wrong one, a bad parameter, the rate limit, the database away.
_ANY_ROUTE = (401, 403, 422, 429, 503)


def _problems(*statuses: int) -> Problems:
    return problem_responses(*sorted({*_ANY_ROUTE, *statuses}))


LIST_PROBLEMS = _problems(400)  # an unreadable cursor
CREATE_PROBLEMS = _problems(400, 409, 413, 415)  # a JSON body, whose name or slug can be taken
ITEM_PROBLEMS = _problems(404)  # one thing, by its id or slug
ITEM_LIST_PROBLEMS = _problems(400, 404)  # a list belonging to one thing
# Writes to a draft: a JSON body, guarded by If-Match.
UPDATE_PROBLEMS = _problems(400, 404, 412, 413, 415, 428)
STATE_CHANGE_PROBLEMS = _problems(400, 404, 409, 412, 413, 415, 428)  # publish, unpublish, delete: 409 on the state
