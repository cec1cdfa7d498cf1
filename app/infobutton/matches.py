"""Which published items answer an Infobutton request: those with a code, or those whose words match a name."""

from collections.abc import Mapping, Sequence
from typing import Protocol

from app.content.items import ItemJson, ItemKey, lookup_in

# The lists a code leads to: a cause is never the answer to a problem code.
_CODED = frozenset({"conditions", "symptoms", "treatments"})
_TYPE_ORDER = {"condition": 0, "symptom": 1, "treatment": 3}
_URGENCY_ORDER = {"emergency": 0, "urgent": 1}


class Ranking(Protocol):
    """The search index, as the lookup by name reads it."""

    def matches(self, query: str, *, kind: str | None, limit: int) -> list[tuple[str, str]]: ...


class Findable(Protocol):
    """What finding items reads from the snapshot in memory."""

    items: Mapping[ItemKey, ItemJson]
    items_by_code: Mapping[str, Sequence[ItemKey]]

    @property
    def search(self) -> Ranking: ...


def _reading_order(item: ItemJson) -> tuple[int, int, str]:
    rank = _TYPE_ORDER.get(item["type"], 4) + (1 if item["type"] == "symptom" and not item.get("red_flag") else 0)
    return rank, _URGENCY_ORDER.get(item.get("urgency") or "", 2), item["name"]


def items_with_code(view: Findable, wanted: str) -> list[ItemJson]:
    """Published conditions, symptoms and treatments with this `system|code` token: the condition first,
    then red flags (emergencies first), other symptoms, and treatments."""
    found = [view.items[key] for key in view.items_by_code.get(wanted, ()) if key[0] in _CODED]
    return sorted(found, key=_reading_order)


def items_named(view: Findable, text: str, *, limit: int) -> list[ItemJson]:
    """Published items whose words match, best first, as search ranks them; sources are not answers."""
    # Twice the limit: the sources among the best matches are left out.
    hits = [(kind, slug) for kind, slug in view.search.matches(text, kind=None, limit=limit * 2) if kind != "source"]
    lookup = lookup_in(view.items)
    return [item for kind, slug in hits[:limit] if (item := lookup(kind, slug)) is not None]
