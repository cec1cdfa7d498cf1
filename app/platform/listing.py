"""Responses of the admin routes: never cached, JSON, and paginated like the public lists."""

from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from app.core.cursors import CURSOR_MAX_LENGTH, CURSOR_PATTERN, decode_cursor, encode_cursor
from app.core.errors import BadRequest
from app.core.http import INT32, INT32_MAX, JSON_MEDIA_TYPE
from app.core.pagination import MAX_LIMIT

PRIVATE = {"Cache-Control": "no-store"}
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
Row = TypeVar("Row")
Key = TypeVar("Key")


def json_response(model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """One admin object as JSON, never cached."""
    body = orjson.dumps(model.model_dump(mode="json"))
    return Response(
        body, status_code=status, media_type=JSON_MEDIA_TYPE.decode(), headers={**PRIVATE, **(headers or {})}
    )


def position(cursor: str | None, parse: Callable[[str], Key]) -> Key | None:
    """The position a cursor points at, parsed; BadRequest when it is not one of ours."""
    if cursor is None:
        return None
    try:
        return parse(decode_cursor(cursor))
    except ValueError:
        raise BadRequest("The cursor is not valid; start again without one.") from None


def row_number(text: str) -> int:
    """A row number from a cursor: a whole number a database integer column can hold, else ValueError."""
    number = int(text)
    if not 0 <= number <= INT32_MAX:
        raise ValueError(f"{number} is out of range")
    return number


def page(
    request: Request,
    rows: Sequence[Row],
    *,
    limit: int,
    key: Callable[[Row], object],
    view: Callable[[Row], BaseModel],
) -> Response:
    """`{data, next_cursor}` and a `Link` to the next page; `rows` may hold one extra to show more follow."""
    cursor = encode_cursor(str(key(rows[limit - 1]))) if len(rows) > limit else None
    body = {"data": [view(row).model_dump(mode="json") for row in rows[:limit]], "next_cursor": cursor}
    headers = dict(PRIVATE)
    if cursor is not None:
        headers["Link"] = f'<{request.url.path}?{urlencode({"limit": limit, "cursor": cursor})}>; rel="next"'
    return Response(orjson.dumps(body), media_type=JSON_MEDIA_TYPE.decode(), headers=headers)
