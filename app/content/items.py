"""Published items as their public JSON, parsed once per content version, and how they are looked up."""

from collections.abc import Callable, Mapping
from typing import Any

from app.content.codes import ancestors, token
from app.content.queries import COLLECTION_OF, COLLECTIONS
from app.core.errors import NotFound

# An item's public JSON, as the API sends it. Every request shares it, so nothing changes it.
ItemJson = Mapping[str, Any]
# A published item's place: its list (`conditions`, ...) and its slug.
ItemKey = tuple[str, str]
# Looks up a published item by type and slug; None when it is not published.
Lookup = Callable[[str, str], ItemJson | None]


def lookup_in(items: Mapping[ItemKey, ItemJson]) -> Lookup:
    """A lookup by type (`condition`, ...) and slug over published items."""

    def lookup(kind: str, slug: str) -> ItemJson | None:
        return items.get((COLLECTION_OF[kind], slug))

    return lookup


def not_found(collection: str, slug: str) -> NotFound:
    """The error for a slug that no published item of this list has."""
    return NotFound(f"No {COLLECTIONS[collection].value} has the slug '{slug}'.")


def published(items: Mapping[ItemKey, ItemJson], collection: str, slug: str) -> ItemJson:
    """The published item of this list with this slug; NotFound when there is none."""
    found = items.get((collection, slug))
    if found is None:
        raise not_found(collection, slug)
    return found


def code_tokens(item: ItemJson) -> frozenset[str]:
    """The `system|code` tokens that find an item: each of its codes and, for ICD, every category above it,
    so that a query for M62.83 finds M62.830."""
    return frozenset(
        token(code["system"], found)
        for code in item.get("codes", ())
        for found in ancestors(code["system"], code["code"])
    )
