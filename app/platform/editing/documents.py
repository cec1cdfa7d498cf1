"""Conversions between an editor's document and the published item's columns."""

from datetime import date
from typing import Any

from app.content.models import Item, ItemType

LINKED_TYPES = frozenset({ItemType.cause, ItemType.symptom, ItemType.treatment})
_TYPE_FIELDS = {
    ItemType.condition: (),
    ItemType.cause: ("category",),
    ItemType.symptom: ("red_flag", "urgency", "action"),
    ItemType.treatment: ("category", "when_to_use", "cautions"),
}


def document_of(item: Item, conditions: list[str]) -> dict[str, Any]:
    """The editable document of a published item, in its stored JSON form."""
    if item.type == ItemType.source:
        return {
            "name": item.name,
            "summary": item.summary,
            "title": item.title,
            "publisher": item.publisher or "",
            "url": item.url,
        }
    document: dict[str, Any] = {
        "name": item.name,
        "summary": item.summary,
        "body": item.body,
        "sources": item.citations,
        "last_reviewed": item.last_reviewed.isoformat() if item.last_reviewed else None,
        "next_review_due": item.next_review_due.isoformat() if item.next_review_due else None,
    }
    for name in _TYPE_FIELDS[ItemType(item.type)]:
        document[name] = getattr(item, name)
    if item.type in LINKED_TYPES:
        document["conditions"] = sorted(conditions)
    return document


def item_columns(document: dict[str, Any]) -> dict[str, Any]:
    """The published item's columns for a stored document (its condition links are kept apart)."""
    columns = {name: value for name, value in document.items() if name not in ("sources", "conditions")}
    columns["citations"] = document.get("sources", [])
    for name in ("last_reviewed", "next_review_due"):
        if columns.get(name) is not None:
            columns[name] = date.fromisoformat(columns[name])
    return columns
