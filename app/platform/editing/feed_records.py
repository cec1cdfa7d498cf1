"""Records in the mobile change feed what a publish, unpublish or delete changed, dependents included."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.content.models import Item, ItemType
from app.content.service import counters
from app.platform.editing.models import ItemDraft
from app.platform.webhooks.outbox import enqueue
from app.sync.feed import RULESET_SLUG, RULESET_TYPE
from app.sync.models import Change


def _replace(session: Session, kind: str, slug: str, *, action: str, revision: int, at: datetime) -> None:
    session.execute(sql_delete(Change).where(col(Change.type) == kind, col(Change.slug) == slug))
    session.add(Change(type=kind, slug=slug, action=action, revision=revision, at=at))


def record_ruleset(session: Session, *, version: int, at: datetime) -> None:
    """Put a newly loaded triage ruleset in the change feed, so offline apps fetch it, and tell the
    webhooks that want `ruleset.published`; the caller commits and bumps the content version."""
    _replace(session, RULESET_TYPE, RULESET_SLUG, action="upsert", revision=version, at=at)
    enqueue(session, "ruleset.published", {"version": version, "url": "/v1/export"}, at=at)


def _dependents(session: Session, draft: ItemDraft, documents: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Items whose public representation embeds this one: its conditions (their summaries of it), the
    sources it cites (their `cited_for`), and for a condition, the items linked to it."""
    found: set[tuple[str, str]] = set()
    for document in documents:
        found |= {(ItemType.condition.value, slug) for slug in document.get("conditions", [])}
        found |= {(ItemType.source.value, citation["source"]) for citation in document.get("sources", [])}
    if draft.type == ItemType.condition:
        for other in session.exec(select(ItemDraft).where(col(ItemDraft.status) == "published")):
            if draft.slug in (other.published or {}).get("conditions", []):
                found.add((other.type, other.slug))
    found.discard((draft.type, draft.slug))
    return found


def record_change(
    session: Session,
    draft: ItemDraft,
    *,
    event: str,
    action: str,
    revision: int,
    at: datetime,
    keep_days: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Give the item, and every published item that shows part of it, a new place in the feed; put the
    event in the webhook outbox; tell every worker that published content changed; drop deletions older
    than the feed keeps."""
    _replace(session, draft.type, draft.slug, action=action, revision=revision, at=at)
    changed = [{"type": draft.type, "slug": draft.slug, "action": action}]
    documents = [document for document in (before, after) if document]
    for kind, slug in sorted(_dependents(session, draft, documents)):
        published = session.exec(select(Item.revision).where(Item.type == kind, Item.slug == slug)).first()
        if published is not None:
            _replace(session, kind, slug, action="upsert", revision=published, at=at)
            changed.append({"type": kind, "slug": slug, "action": "upsert"})
    data = {"type": draft.type, "slug": draft.slug, "revision": revision, "changed": changed}
    enqueue(session, event, data, at=at)
    row = counters(session=session)
    row.version += 1
    expired = (col(Change.action) == "delete") & (col(Change.at) < at - timedelta(days=keep_days))
    newest_expired = session.exec(select(func.max(Change.seq)).where(expired)).one()
    if newest_expired is not None:
        session.execute(sql_delete(Change).where(expired))
        row.changes_floor = max(row.changes_floor, newest_expired)
