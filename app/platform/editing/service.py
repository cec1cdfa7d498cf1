"""Editing: drafts, publishing and deletion, each write guarded by If-Match and recorded in the audit log."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.content.models import Item, ItemCode, ItemLink, ItemType
from app.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from app.platform.audit import AuditEvent
from app.platform.editing import recommendations
from app.platform.editing.documents import LINKED_TYPES, dangling_references, item_columns
from app.platform.editing.feed_records import record_change
from app.platform.editing.models import ItemDraft


def etag(draft: ItemDraft) -> str:
    """The draft's strong ETag: the item's identity and its revision."""
    return f'"{draft.id.hex[:12]}.{draft.revision}"'


def _expected_revision(draft: ItemDraft, if_match: str | None) -> int:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("Send If-Match with the item's current ETag; nothing was changed.")
    if if_match.strip() == "*":
        return draft.revision
    if etag(draft) in {tag.strip() for tag in if_match.split(",")}:
        return draft.revision
    raise PreconditionFailed("The If-Match ETag is stale: fetch the item again. Nothing was changed.")


def get_draft(*, session: Session, kind: ItemType, slug: str) -> ItemDraft:
    """The draft of one item; NotFound when there is none."""
    draft = session.exec(select(ItemDraft).where(ItemDraft.type == kind.value, ItemDraft.slug == slug)).first()
    if draft is None:
        raise NotFound(f"No {kind.value} has the slug '{slug}'.")
    return draft


def _record(
    session: Session,
    draft: ItemDraft,
    *,
    action: str,
    revision: int,
    actor: str,
    actor_key_id: uuid.UUID | None,
    at: datetime,
) -> None:
    document = None if action == "delete" else draft.document
    session.add(
        AuditEvent(
            at=at,
            actor=actor,
            actor_key_id=actor_key_id,
            action=action,
            type=draft.type,
            slug=draft.slug,
            revision=revision,
            document=document,
        )
    )


def _advance(session: Session, draft: ItemDraft, expected: int, **values: Any) -> int:
    """Move the draft to its next revision only if nobody else did first; the revision it got."""
    revision = expected + 1
    result = session.execute(
        sql_update(ItemDraft)
        .where(col(ItemDraft.id) == draft.id, col(ItemDraft.revision) == expected)
        .values(revision=revision, **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise PreconditionFailed("Someone changed the item first: fetch it again. Nothing was changed.")
    return revision


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("A concurrent write got there first; fetch the item again. Nothing was changed.") from None


def create(
    *,
    session: Session,
    kind: ItemType,
    slug: str,
    document: dict[str, Any],
    actor: str,
    actor_key_id: uuid.UUID | None = None,
) -> ItemDraft:
    """Create a draft; its revision continues any history of an item deleted under the same slug."""
    stored = recommendations.checked_document(session=session, kind=kind, document=document, item_id=None)
    if missing := dangling_references(session, stored, published=False):
        raise InvalidInput("The item refers to content that does not exist; see errors.", errors=missing)
    if session.exec(select(ItemDraft.id).where(ItemDraft.type == kind.value, ItemDraft.slug == slug)).first():
        raise Conflict(f"A {kind.value} with the slug '{slug}' already exists.")
    last = session.exec(
        select(func.max(AuditEvent.revision)).where(AuditEvent.type == kind.value, AuditEvent.slug == slug)
    ).one()
    now = datetime.now(UTC)
    draft = ItemDraft(
        id=uuid.uuid4(),
        type=kind.value,
        slug=slug,
        revision=(last or 0) + 1,
        status="draft",
        document=stored,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    _record(session, draft, action="create", revision=draft.revision, actor=actor, actor_key_id=actor_key_id, at=now)
    _commit(session)
    session.refresh(draft)
    return draft


def update(
    *,
    session: Session,
    kind: ItemType,
    slug: str,
    changes: dict[str, Any],
    if_match: str | None,
    actor: str,
    actor_key_id: uuid.UUID | None = None,
) -> ItemDraft:
    """Apply a partial update to the draft; published content stays as it is until a publish."""
    draft = get_draft(session=session, kind=kind, slug=slug)
    expected = _expected_revision(draft, if_match)
    changed = {**draft.document, **changes}
    stored = recommendations.checked_document(session=session, kind=kind, document=changed, item_id=draft.id)
    if missing := dangling_references(session, stored, published=False):
        raise InvalidInput("The item refers to content that does not exist; see errors.", errors=missing)
    now = datetime.now(UTC)
    revision = _advance(session, draft, expected, document=stored, updated_at=now)
    draft.document = stored
    _record(session, draft, action="update", revision=revision, actor=actor, actor_key_id=actor_key_id, at=now)
    _commit(session)
    session.refresh(draft)
    return draft


def _unlink(session: Session, item_id: uuid.UUID) -> None:
    session.execute(
        sql_delete(ItemLink).where((col(ItemLink.item_id) == item_id) | (col(ItemLink.condition_id) == item_id))
    )


def _link(session: Session, draft: ItemDraft) -> None:
    """Link a just-published item to its published conditions, or a condition to the items that name it."""
    side = ItemLink.condition_id if draft.type == ItemType.condition else ItemLink.item_id
    session.execute(sql_delete(ItemLink).where(col(side) == draft.id))
    published = {row.slug: row.id for row in session.exec(select(Item).where(Item.type == ItemType.condition))}
    if draft.type in LINKED_TYPES:
        for slug in draft.document.get("conditions", []):
            session.add(ItemLink(condition_id=published[slug], item_id=draft.id))
    elif draft.type == ItemType.condition:
        for other in session.exec(select(ItemDraft).where(col(ItemDraft.status) == "published")):
            if draft.slug in (other.published or {}).get("conditions", []):
                session.add(ItemLink(condition_id=draft.id, item_id=other.id))


def _code(session: Session, item_id: uuid.UUID, *, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Publish an item's codes, when they changed (a release that carries no codes never touches them)."""
    codes = (after or {}).get("codes", [])
    if (before or {}).get("codes", []) == codes:
        return
    session.execute(sql_delete(ItemCode).where(col(ItemCode.item_id) == item_id))
    for position, code in enumerate(codes):
        session.add(ItemCode(item_id=item_id, position=position, **code))


def _cited_by_published(session: Session, draft: ItemDraft) -> list[str]:
    if draft.type != ItemType.source:
        return []
    citing = session.exec(select(ItemDraft).where(col(ItemDraft.status) == "published")).all()
    return sorted(
        f"{other.type}/{other.slug}"
        for other in citing
        if any(c["source"] == draft.slug for c in (other.published or {}).get("sources", []))
    )


def publish(
    *,
    session: Session,
    kind: ItemType,
    slug: str,
    if_match: str | None,
    actor: str,
    keep_days: int,
    actor_key_id: uuid.UUID | None = None,
) -> ItemDraft:
    """Publish the draft: the public endpoints, export, changes and search show it from now on."""
    draft = get_draft(session=session, kind=kind, slug=slug)
    expected = _expected_revision(draft, if_match)
    if missing := dangling_references(session, draft.document, published=True):
        refs = "; ".join(f"{'.'.join(map(str, m['loc'][1:]))}: {m['msg']}" for m in missing)
        raise Conflict(f"Publish what this item refers to first ({refs}).")
    recommendation = recommendations.to_publish(session=session, draft=draft)
    now, before = datetime.now(UTC), draft.published  # read before _advance updates the object
    revision = _advance(
        session,
        draft,
        expected,
        status="published",
        published=draft.document,
        published_revision=expected + 1,
        updated_at=now,
    )
    columns = {**item_columns(draft.document), "updated_at": now, "revision": revision}
    row = session.get(Item, draft.id)
    if row is None:
        row = Item(id=draft.id, type=kind.value, slug=slug, **columns)
    else:
        for name, value in columns.items():
            setattr(row, name, value)
    session.add(row)
    session.flush()
    _link(session, draft)
    _code(session, draft.id, before=before, after=draft.document)
    if recommendation is not None:
        session.merge(recommendation)
    _record(session, draft, action="publish", revision=revision, actor=actor, actor_key_id=actor_key_id, at=now)
    record_change(
        session,
        draft,
        event="content.published",
        action="upsert",
        revision=revision,
        at=now,
        keep_days=keep_days,
        before=before,
        after=draft.document,
    )
    _commit(session)
    session.refresh(draft)
    return draft


def _withdraw(
    session: Session,
    draft: ItemDraft,
    *,
    event: str,
    before: dict[str, Any] | None,
    revision: int,
    at: datetime,
    keep_days: int,
) -> None:
    """Take the published item away and leave a tombstone in the change feed (the caller rolls back on error)."""
    if cited := _cited_by_published(session, draft):
        raise Conflict(f"Published items cite this source: {', '.join(cited)}. Change them first.")
    _unlink(session, draft.id)
    _code(session, draft.id, before=before, after=None)
    session.execute(sql_delete(Item).where(col(Item.id) == draft.id))
    record_change(
        session,
        draft,
        event=event,
        action="delete",
        revision=revision,
        at=at,
        keep_days=keep_days,
        before=before,
        after=None,
    )


def unpublish(
    *,
    session: Session,
    kind: ItemType,
    slug: str,
    if_match: str | None,
    actor: str,
    keep_days: int,
    actor_key_id: uuid.UUID | None = None,
) -> ItemDraft:
    """Take the item off the public endpoints; its draft stays for editing."""
    draft = get_draft(session=session, kind=kind, slug=slug)
    expected = _expected_revision(draft, if_match)
    if draft.status != "published":
        raise Conflict(f"The {kind.value} '{slug}' is not published.")
    now, before = datetime.now(UTC), draft.published
    revision = _advance(
        session, draft, expected, status="unpublished", published=None, published_revision=None, updated_at=now
    )
    _withdraw(
        session, draft, event="content.unpublished", before=before, revision=revision, at=now, keep_days=keep_days
    )
    _record(session, draft, action="unpublish", revision=revision, actor=actor, actor_key_id=actor_key_id, at=now)
    _commit(session)
    session.refresh(draft)
    return draft


def delete(
    *,
    session: Session,
    kind: ItemType,
    slug: str,
    if_match: str | None,
    actor: str,
    keep_days: int,
    actor_key_id: uuid.UUID | None = None,
) -> None:
    """Delete the item and its draft; its history stays in the audit log."""
    draft = get_draft(session=session, kind=kind, slug=slug)
    expected = _expected_revision(draft, if_match)
    now, published, before = datetime.now(UTC), draft.status == "published", draft.published
    revision = _advance(session, draft, expected, updated_at=now)
    if published:
        _withdraw(
            session, draft, event="content.deleted", before=before, revision=revision, at=now, keep_days=keep_days
        )
    recommendations.forget(session=session, draft=draft)
    session.execute(sql_delete(ItemDraft).where(col(ItemDraft.id) == draft.id))
    _record(session, draft, action="delete", revision=revision, actor=actor, actor_key_id=actor_key_id, at=now)
    _commit(session)


def revisions(*, session: Session, kind: ItemType, slug: str, before: int | None, limit: int) -> list[AuditEvent]:
    """An item's writes, newest first, before the given revision; one extra tells whether more follow."""
    query = select(AuditEvent).where(AuditEvent.type == kind.value, AuditEvent.slug == slug)
    if before is not None:
        query = query.where(col(AuditEvent.revision) < before)
    found = list(session.exec(query.order_by(col(AuditEvent.revision).desc()).limit(limit + 1)).all())
    if not found and before is None:
        raise NotFound(f"No {kind.value} has ever had the slug '{slug}'.")
    return found


def audit(*, session: Session, before: int | None, limit: int) -> list[AuditEvent]:
    """Every write, newest first, before the given entry; one extra tells whether more follow."""
    query = select(AuditEvent)
    if before is not None:
        query = query.where(col(AuditEvent.id) < before)
    return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit + 1)).all())
