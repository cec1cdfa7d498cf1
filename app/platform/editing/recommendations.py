"""A treatment's recommendation as editors set it: checked with its draft, published beside its item.

Every treatment has one. A treatment seeded or released before its editing document carried it has it
only in `item_recommendation`: its document stands for that one until an editor sets it."""

import uuid
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlmodel import Session, col

from app.content.models import ItemRecommendation, ItemType
from app.core.errors import Conflict, InvalidInput
from app.platform.editing.documents import RECOMMENDATION_FIELDS, complete_document, recommendation_fields
from app.platform.editing.models import ItemDraft


def _without(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name not in RECOMMENDATION_FIELDS}


def checked_document(
    *, session: Session, kind: ItemType, document: dict[str, Any], item_id: uuid.UUID | None
) -> dict[str, Any]:
    """Validate a document and complete it as it is stored. A treatment's that lacks its recommendation
    stands for the published one, which must fit its sources; a part given is completed from it."""
    given = [name for name in RECOMMENDATION_FIELDS if name in document]
    if kind != ItemType.treatment or len(given) == len(RECOMMENDATION_FIELDS):
        return complete_document(kind, document)
    published = session.get(ItemRecommendation, item_id) if item_id is not None else None
    if published is not None:
        stored = complete_document(kind, {**recommendation_fields(published), **document})
        return stored if given else _without(stored)
    complete_document(kind, _without(document))  # the other fields' errors first
    missing = [{"loc": ["body", name], "msg": "Field required"} for name in RECOMMENDATION_FIELDS if name not in given]
    raise InvalidInput("Every treatment needs a recommendation and its recommendation_source.", errors=missing)


def to_publish(*, session: Session, draft: ItemDraft) -> ItemRecommendation | None:
    """The recommendation a publish writes: the draft's own, or none where the published one stands
    for it. Conflict when a treatment has neither (a draft from before treatments carried one)."""
    document = draft.document
    if draft.type != ItemType.treatment:
        return None
    if all(name in document for name in RECOMMENDATION_FIELDS):
        cited = document["recommendation_source"]
        return ItemRecommendation(
            item_id=draft.id,
            recommendation=document["recommendation"],
            source=cited["source"],
            locator=cited["locator"],
        )
    if session.get(ItemRecommendation, draft.id) is None:
        raise Conflict(
            f"The treatment '{draft.slug}' has no recommendation: set recommendation and recommendation_source "
            "on its draft, then publish it."
        )
    return None


def forget(*, session: Session, draft: ItemDraft) -> None:
    """Delete a deleted treatment's recommendation (an unpublished one keeps it, to be published again)."""
    if draft.type == ItemType.treatment:
        session.execute(sql_delete(ItemRecommendation).where(col(ItemRecommendation.item_id) == draft.id))


def shown_document(*, session: Session, draft: ItemDraft) -> dict[str, Any]:
    """The draft's document as editors see it: with the published recommendation it stands for, if any."""
    document = draft.document
    if draft.type != ItemType.treatment or all(name in document for name in RECOMMENDATION_FIELDS):
        return document
    published = session.get(ItemRecommendation, draft.id)
    return document if published is None else {**document, **recommendation_fields(published)}
