"""The list parameters of each collection, as one table that the routes and the fast path both read."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import Query, Request

from app.content.codes import TOKEN_MAX_LENGTH, parse_token
from app.content.models import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    SLUG_RE,
    CauseCategory,
    ItemType,
    Recommendation,
    TreatmentCategory,
)
from app.core.errors import InvalidInput
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
    """One filter of a list: a slug, an enum's values, a yes/no (`true`/`false` in its plain form), or a
    clinical code as `<system>|<code>`."""

    name: str
    description: str
    kind: type[StrEnum] | Literal["slug", "bool", "code"]

    def plain(self, value: str) -> bool:
        """Whether the value is in the plain form the fast path answers; anything else goes to the route."""
        if self.kind == "code":  # checked and normalised by the route
            return False
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
        if self.kind == "code":
            example = "http://hl7.org/fhir/sid/icd-10-cm|M62.830"
            return Annotated[
                str | None, Query(description=self.description, max_length=TOKEN_MAX_LENGTH, examples=[example])
            ]
        return Annotated[self.kind | None, Query(description=self.description)]


_CONDITION = ListFilter("condition", "Only items linked to this condition slug.", "slug")
_CODE = ListFilter(
    "code",
    "Only items with this clinical code, as `<system>|<code>` (systems: `http://snomed.info/sct`, "
    "`http://hl7.org/fhir/sid/icd-10-cm`, `http://hl7.org/fhir/sid/icd-10`). An ICD code also finds items "
    "coded below it: `M62.83` finds what `M62.830` finds.",
    "code",
)
FILTERS: dict[str, tuple[ListFilter, ...]] = {
    "conditions": (_CODE,),
    "causes": (_CONDITION, ListFilter("category", "Only causes of this category.", CauseCategory), _CODE),
    "symptoms": (_CONDITION, ListFilter("red_flag", "Only red flags (true) or only others (false).", "bool"), _CODE),
    "treatments": (
        _CONDITION,
        ListFilter("category", "Only treatments of this category.", TreatmentCategory),
        ListFilter(
            "recommendation",
            "Only treatments a guideline rates so: `recommended`, `consider` or `not_recommended` (advised "
            "against). A treatment not yet rated matches none.",
            Recommendation,
        ),
        _CODE,
    ),
    "sources": (),
}
# Every query parameter each list takes; any other is a 422 naming it, on the routes and the fast path.
PARAMETERS: dict[str, tuple[str, ...]] = {
    collection: ("limit", "cursor", *(spec.name for spec in specs)) for collection, specs in FILTERS.items()
}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def unknown_parameters(collection: str) -> Callable[[Request], None]:
    """A FastAPI dependency that refuses, with a 422 naming each, the query parameters the list does not take."""
    taken = PARAMETERS[collection]

    def check(request: Request) -> None:
        unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in taken]
        if unknown:
            msg = f"not a parameter of this list; it takes {', '.join(taken)}"
            raise InvalidInput(
                f"This list has no parameter {', '.join(repr(name) for name in unknown)}; see errors.",
                errors=[{"loc": ["query", name], "msg": msg} for name in unknown],
            )

    return check


def filters_dependency(collection: str) -> Callable[..., Filters]:
    """A FastAPI dependency taking the collection's filters as query parameters, made from the table."""
    specs = FILTERS[collection]

    codes = {spec.name for spec in specs if spec.kind == "code"}

    def chosen(**values: object) -> Filters:
        return tuple(
            sorted(
                (name, parse_token(str(value), loc=("query", name)) if name in codes else _text(value))
                for name, value in values.items()
                if value is not None
            )
        )

    chosen.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=spec.annotation())
            for spec in specs
        ],
        return_annotation=Filters,
    )
    chosen.__doc__ = f"Filters of the {collection} list."
    return chosen
