"""The list parameters of each collection, as one table that the routes and the fast path both read."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import Query

from app.content.models import SLUG_MAX_LENGTH, SLUG_PATTERN, SLUG_RE, CauseCategory, ItemType, TreatmentCategory
from app.core.pagination import DEFAULT_LIMIT

Filters = tuple[tuple[str, str], ...]
COLLECTIONS: dict[str, ItemType] = {
    "conditions": ItemType.condition,
    "causes": ItemType.cause,
    "symptoms": ItemType.symptom,
    "treatments": ItemType.treatment,
    "sources": ItemType.source,
}
COLLECTION_OF: dict[str, str] = {kind.value: collection for collection, kind in COLLECTIONS.items()}


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A validated list request: page size, position and filters."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListFilter:
    """One filter of a list: a slug, an enum's values, or a yes/no (`true`/`false` in its plain form)."""

    name: str
    description: str
    kind: type[StrEnum] | Literal["slug", "bool"]

    def plain(self, value: str) -> bool:
        """Whether the value is in the plain form the fast path answers; anything else goes to the route."""
        if self.kind == "slug":
            return len(value) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(value) is not None
        if self.kind == "bool":
            return value in ("true", "false")
        return value in frozenset(self.kind)

    def annotation(self) -> Any:
        """The route's query parameter for it: what FastAPI validates and OpenAPI documents."""
        if self.kind == "slug":
            return Annotated[
                str | None, Query(description=self.description, pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)
            ]
        if self.kind == "bool":
            return Annotated[bool | None, Query(description=self.description)]
        return Annotated[self.kind | None, Query(description=self.description)]


_CONDITION = ListFilter("condition", "Only items linked to this condition slug.", "slug")
FILTERS: dict[str, tuple[ListFilter, ...]] = {
    "conditions": (),
    "causes": (_CONDITION, ListFilter("category", "Only causes of this category.", CauseCategory)),
    "symptoms": (_CONDITION, ListFilter("red_flag", "Only red flags (true) or only others (false).", "bool")),
    "treatments": (_CONDITION, ListFilter("category", "Only treatments of this category.", TreatmentCategory)),
    "sources": (),
}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def filters_dependency(collection: str) -> Callable[..., Filters]:
    """A FastAPI dependency taking the collection's filters as query parameters, made from the table."""
    specs = FILTERS[collection]

    def chosen(**values: object) -> Filters:
        return tuple(sorted((name, _text(value)) for name, value in values.items() if value is not None))

    chosen.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=spec.annotation())
            for spec in specs
        ],
        return_annotation=Filters,
    )
    chosen.__doc__ = f"Filters of the {collection} list."
    return chosen
