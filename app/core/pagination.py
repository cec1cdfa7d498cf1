"""Pages of a list: their size limits and their shape, the same for every list the API serves."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

T = TypeVar("T", bound=BaseModel)


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    data: list[T] = Field(description="The items on this page, ordered by slug.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
