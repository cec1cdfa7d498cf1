"""An editor's document: its checks, and its conversion to and from the published item's columns."""

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from app.content.models import Item, ItemRecommendation, ItemType
from app.core.errors import InvalidInput
from app.platform.editing.models import ItemDraft
from app.platform.editing.schemas import DOCUMENTS

REVIEW_INTERVAL = timedelta(days=365)
LINKED_TYPES = frozenset({ItemType.cause, ItemType.symptom, ItemType.treatment})
_TYPE_FIELDS = {
    ItemType.condition: (),
    ItemType.cause: ("category",),
    ItemType.symptom: ("red_flag", "urgency", "action"),
    ItemType.treatment: ("category", "when_to_use", "cautions"),
}
# A treatment's, published beside its item (in item_recommendation) rather than in its columns.
RECOMMENDATION_FIELDS = ("recommendation", "recommendation_source")


def recommendation_fields(row: ItemRecommendation) -> dict[str, Any]:
    """A published recommendation as a document's fields."""
    return {
        "recommendation": row.recommendation,
        "recommendation_source": {"source": row.source, "locator": row.locator},
    }


def document_of(
    item: Item,
    conditions: list[str],
    codes: list[dict[str, str]] | None = None,
    recommendation: ItemRecommendation | None = None,
) -> dict[str, Any]:
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
        "codes": codes or [],
        "last_reviewed": item.last_reviewed.isoformat() if item.last_reviewed else None,
        "next_review_due": item.next_review_due.isoformat() if item.next_review_due else None,
    }
    for name in _TYPE_FIELDS[ItemType(item.type)]:
        document[name] = getattr(item, name)
    if item.type in LINKED_TYPES:
        document["conditions"] = sorted(conditions)
    if recommendation is not None:
        document |= recommendation_fields(recommendation)
    return document


def item_columns(document: dict[str, Any]) -> dict[str, Any]:
    """The published item's columns for a stored document (its condition links, codes and recommendation are
    kept apart)."""
    apart = ("sources", "conditions", "codes", *RECOMMENDATION_FIELDS)
    columns = {name: value for name, value in document.items() if name not in apart}
    columns["citations"] = document.get("sources", [])
    for name in ("last_reviewed", "next_review_due"):
        if columns.get(name) is not None:
            columns[name] = date.fromisoformat(columns[name])
    return columns


def _invalid(exc: ValidationError) -> InvalidInput:
    errors = [{"loc": ["body", *err["loc"]], "msg": err["msg"]} for err in exc.errors()]
    return InvalidInput("The item has invalid values; see errors.", errors=errors)


def complete_document(kind: ItemType, document: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole document and fill its defaults, in the JSON form it is stored in."""
    try:
        model: BaseModel = DOCUMENTS[kind.value].model_validate(document)
    except ValidationError as exc:
        raise _invalid(exc) from None
    stored = model.model_dump(mode="json")
    for name in RECOMMENDATION_FIELDS:
        # Left out, not null: a document without them stands for what was published (TreatmentDocument).
        if name in stored and stored[name] is None:
            del stored[name]
    if "last_reviewed" in stored:
        reviewed = date.fromisoformat(stored["last_reviewed"]) if stored["last_reviewed"] else date.today()
        stored["last_reviewed"] = reviewed.isoformat()
        stored["next_review_due"] = stored["next_review_due"] or (reviewed + REVIEW_INTERVAL).isoformat()
    return stored


def _slugs(session: Session, kind: ItemType, *, published: bool) -> set[str]:
    table: Any = Item if published else ItemDraft
    return set(session.exec(select(table.slug).where(table.type == kind.value)).all())


def dangling_references(session: Session, document: dict[str, Any], *, published: bool) -> list[dict[str, Any]]:
    """The citations and condition links that point at nothing (or at nothing published)."""
    missing: list[dict[str, Any]] = []
    state = "published " if published else ""
    sources = _slugs(session, ItemType.source, published=published)
    for index, citation in enumerate(document.get("sources", [])):
        if citation["source"] not in sources:
            missing.append({"loc": ["body", "sources", index, "source"], "msg": f"no {state}source has this slug"})
    conditions = _slugs(session, ItemType.condition, published=published) if "conditions" in document else set()
    for index, slug in enumerate(document.get("conditions", [])):
        if slug not in conditions:
            missing.append({"loc": ["body", "conditions", index], "msg": f"no {state}condition has this slug"})
    return missing
