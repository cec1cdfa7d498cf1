"""clinical codes on content

Revision ID: 0006
Revises: 0005

Conditions, symptoms and treatments carry SNOMED CT and ICD-10-CM codes, in their own table. On a
database seeded before this release, the release's codes are published on its items as the editing
service publishes, so the audit log names this migration and the change feed carries each coded item.

The codes are a frozen copy in migrations/data, and the editing steps are written out here with
SQLAlchemy Core, so that later changes to the seed or the application do not change what this
migration does.
"""

import json
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "migration 0006"
DATA = Path(__file__).resolve().parents[1] / "data" / "0006_item_codes.json"

LINKED_TYPES = frozenset({"cause", "symptom", "treatment"})
RECOMMENDATION_FIELDS = ("recommendation", "recommendation_source")
REQUIRED = object()  # a document field without a default
# Each type's document fields in the order they are stored, with their defaults, and whether null is
# allowed, as the editing service's document models had them.
_REVIEWED: tuple[tuple[str, Any, bool], ...] = (
    ("name", REQUIRED, False),
    ("summary", REQUIRED, False),
    ("body", "", False),
    ("sources", REQUIRED, False),
    ("codes", [], False),
    ("last_reviewed", None, True),
    ("next_review_due", None, True),
)
_LINKED = (*_REVIEWED, ("conditions", [], False))
DOCUMENT_FIELDS: dict[str, tuple[tuple[str, Any, bool], ...]] = {
    "source": (
        ("name", REQUIRED, False),
        ("summary", REQUIRED, False),
        ("title", None, True),
        ("publisher", "", False),
        ("url", None, True),
    ),
    "condition": _REVIEWED,
    "cause": (*_LINKED, ("category", REQUIRED, False)),
    "symptom": (*_LINKED, ("red_flag", False, False), ("urgency", None, True), ("action", None, True)),
    "treatment": (
        *_LINKED,
        ("category", REQUIRED, False),
        ("when_to_use", "", False),
        ("cautions", "", False),
        ("recommendation", None, False),
        ("recommendation_source", None, False),
    ),
}
REVIEW_INTERVAL = timedelta(days=365)

ITEM = sa.table(
    "item",
    sa.column("id", sa.Uuid()),
    sa.column("type", sa.String()),
    sa.column("slug", sa.String()),
    sa.column("name", sa.String()),
    sa.column("summary", sa.Text()),
    sa.column("body", sa.Text()),
    sa.column("citations", sa.JSON()),
    sa.column("category", sa.String()),
    sa.column("red_flag", sa.Boolean()),
    sa.column("urgency", sa.String()),
    sa.column("action", sa.Text()),
    sa.column("when_to_use", sa.Text()),
    sa.column("cautions", sa.Text()),
    sa.column("title", sa.String()),
    sa.column("publisher", sa.String()),
    sa.column("url", sa.String()),
    sa.column("last_reviewed", sa.Date()),
    sa.column("next_review_due", sa.Date()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("revision", sa.Integer()),
)
LINK = sa.table("item_link", sa.column("condition_id", sa.Uuid()), sa.column("item_id", sa.Uuid()))
CODE = sa.table(
    "item_code",
    sa.column("item_id", sa.Uuid()),
    sa.column("position", sa.Integer()),
    sa.column("system", sa.String()),
    sa.column("code", sa.String()),
    sa.column("display", sa.String()),
)
DRAFT = sa.table(
    "item_draft",
    sa.column("id", sa.Uuid()),
    sa.column("type", sa.String()),
    sa.column("slug", sa.String()),
    sa.column("revision", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("document", sa.JSON()),
    sa.column("published", sa.JSON()),
    sa.column("published_revision", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
AUDIT = sa.table(
    "audit_event",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("type", sa.String()),
    sa.column("slug", sa.String()),
    sa.column("revision", sa.Integer()),
    sa.column("document", sa.JSON()),
)
CHANGE = sa.table(
    "change",
    sa.column("seq", sa.Integer()),
    sa.column("type", sa.String()),
    sa.column("slug", sa.String()),
    sa.column("action", sa.String()),
    sa.column("revision", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
)
COUNTERS = sa.table(
    "content_version",
    sa.column("id", sa.Integer()),
    sa.column("version", sa.Integer()),
    sa.column("keys_version", sa.Integer()),
    sa.column("changes_floor", sa.Integer()),
)


def _keep_days() -> int:
    """Days a deletion stays in the change feed: the service's CHANGES_TOMBSTONE_DAYS setting.

    Read as the service reads it (the environment variable in any case, default 90, never negative),
    since the tombstones this migration expires are those the service would.
    """
    value = "90"
    for name, given in os.environ.items():
        if name.lower() == "changes_tombstone_days":
            value = given
    days = int(value)
    if days < 0:
        raise ValueError("CHANGES_TOMBSTONE_DAYS must be 0 or more")
    return days


def _complete(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """A document as the editing service stores it: its fields in order, defaults filled in, review dates
    of today and a year on when missing; a document it would refuse (an unknown field, a required one
    missing or null) stops the migration."""
    fields = DOCUMENT_FIELDS[kind]
    if unknown := set(document) - {name for name, _, _ in fields}:
        raise ValueError(f"a {kind} document has unknown fields {sorted(unknown)}")
    stored: dict[str, Any] = {}
    for name, default, nullable in fields:
        if name not in document:
            if default is REQUIRED:
                raise ValueError(f"a {kind} document lacks {name}")
            stored[name] = list(default) if isinstance(default, list) else default
        elif document[name] is None and not nullable:
            raise ValueError(f"a {kind} document has a null {name}")
        else:
            stored[name] = document[name]
    if "sources" in stored:
        stored["sources"] = [{"source": c["source"], "locator": c["locator"]} for c in stored["sources"]]
    if "codes" in stored:
        stored["codes"] = [{"system": c["system"], "code": c["code"], "display": c["display"]} for c in stored["codes"]]
    for name in RECOMMENDATION_FIELDS:
        if name in stored and stored[name] is None:
            del stored[name]  # left out, not null: the published recommendation stands
    if (cited := stored.get("recommendation_source")) is not None:
        stored["recommendation_source"] = {"source": cited["source"], "locator": cited["locator"]}
    if "last_reviewed" in stored:
        reviewed = date.fromisoformat(stored["last_reviewed"]) if stored["last_reviewed"] else date.today()
        due = stored["next_review_due"]
        stored["last_reviewed"] = reviewed.isoformat()
        stored["next_review_due"] = (
            date.fromisoformat(due).isoformat() if due else (reviewed + REVIEW_INTERVAL).isoformat()
        )
    return stored


def _item_columns(document: dict[str, Any]) -> dict[str, Any]:
    """The published item's columns for a stored document (links, codes and recommendation are kept apart)."""
    apart = ("sources", "conditions", "codes", *RECOMMENDATION_FIELDS)
    columns = {name: value for name, value in document.items() if name not in apart}
    columns["citations"] = document.get("sources", [])
    for name in ("last_reviewed", "next_review_due"):
        if columns.get(name) is not None:
            columns[name] = date.fromisoformat(columns[name])
    return columns


def _get_draft(bind: sa.Connection, kind: str, slug: str) -> sa.Row[Any] | None:
    return bind.execute(sa.select(DRAFT).where(DRAFT.c.type == kind, DRAFT.c.slug == slug)).first()


def _codes_of(document: dict[str, Any] | None) -> list[dict[str, str]]:
    codes: list[dict[str, str]] = (document or {}).get("codes", [])
    return codes


def _dangling(bind: sa.Connection, document: dict[str, Any], *, published: bool) -> list[str]:
    """The citations and condition links that point at no item (or at none published)."""
    table = ITEM if published else DRAFT

    def slugs(kind: str) -> set[str]:
        return set(bind.execute(sa.select(table.c.slug).where(table.c.type == kind)).scalars())

    sources = slugs("source")
    missing = [f"source {c['source']}" for c in document.get("sources", []) if c["source"] not in sources]
    conditions = slugs("condition") if "conditions" in document else set()
    missing += [f"condition {slug}" for slug in document.get("conditions", []) if slug not in conditions]
    return missing


def _audit(
    bind: sa.Connection, kind: str, slug: str, *, action: str, revision: int, document: Any, at: datetime
) -> None:
    bind.execute(
        sa.insert(AUDIT).values(
            at=at, actor=ACTOR, action=action, type=kind, slug=slug, revision=revision, document=document
        )
    )


def _count_change(bind: sa.Connection, *, floor: int | None = None) -> None:
    """Tell every worker that published content changed (the counters row, made when missing), and raise
    the feed's floor past the tombstones dropped."""
    row = bind.execute(sa.select(COUNTERS.c.changes_floor).where(COUNTERS.c.id == 1)).first()
    if row is None:
        bind.execute(sa.insert(COUNTERS).values(id=1, version=1, keys_version=0, changes_floor=floor or 0))
        return
    values: dict[str, Any] = {"version": COUNTERS.c.version + 1}
    if floor is not None:
        values["changes_floor"] = max(row.changes_floor, floor)
    bind.execute(sa.update(COUNTERS).where(COUNTERS.c.id == 1).values(**values))


def _feed(bind: sa.Connection, kind: str, slug: str, *, action: str, revision: int, at: datetime) -> None:
    """Give an item a new place in the change feed, its previous entry dropped."""
    bind.execute(sa.delete(CHANGE).where(CHANGE.c.type == kind, CHANGE.c.slug == slug))
    bind.execute(sa.insert(CHANGE).values(type=kind, slug=slug, action=action, revision=revision, at=at))


def _record_change(
    bind: sa.Connection,
    draft: sa.Row[Any],
    *,
    event: str,
    action: str,
    revision: int,
    at: datetime,
    keep_days: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Give the item, and every published item that shows part of it (its conditions, the sources it
    cites, a condition's items), a new place in the feed; count the change; drop deletions older than
    the feed keeps. (Webhooks, which would be told too, arrive with 0008.)"""
    _feed(bind, draft.type, draft.slug, action=action, revision=revision, at=at)
    dependents: set[tuple[str, str]] = set()
    for document in (before, after):
        if document:
            dependents |= {("condition", slug) for slug in document.get("conditions", [])}
            dependents |= {("source", citation["source"]) for citation in document.get("sources", [])}
    if draft.type == "condition":
        published = bind.execute(
            sa.select(DRAFT.c.type, DRAFT.c.slug, DRAFT.c.published).where(DRAFT.c.status == "published")
        )
        for kind, slug, document in published.all():
            if draft.slug in (document or {}).get("conditions", []):
                dependents.add((kind, slug))
    dependents.discard((draft.type, draft.slug))
    for kind, slug in sorted(dependents):
        shown = bind.execute(sa.select(ITEM.c.revision).where(ITEM.c.type == kind, ITEM.c.slug == slug)).scalar()
        if shown is not None:
            _feed(bind, kind, slug, action="upsert", revision=shown, at=at)
    expired = sa.and_(CHANGE.c.action == "delete", CHANGE.c.at < at - timedelta(days=keep_days))
    newest_expired = bind.execute(sa.select(sa.func.max(CHANGE.c.seq)).where(expired)).scalar()
    if newest_expired is not None:
        bind.execute(sa.delete(CHANGE).where(expired))
    _count_change(bind, floor=newest_expired)


def _update(bind: sa.Connection, kind: str, slug: str, changes: dict[str, Any]) -> None:
    """Change a draft's document, as an editor's update does: a new revision and an audit entry."""
    draft = _get_draft(bind, kind, slug)
    assert draft is not None
    # Treatments carry no recommendation before 0010: their documents are completed as any other.
    stored = _complete(kind, {**draft.document, **changes})
    if missing := _dangling(bind, stored, published=False):
        raise ValueError(f"the {kind} {slug!r} refers to content that does not exist: {missing}")
    now, revision = datetime.now(UTC), draft.revision + 1
    bind.execute(
        sa.update(DRAFT).where(DRAFT.c.id == draft.id).values(revision=revision, document=stored, updated_at=now)
    )
    _audit(bind, kind, slug, action="update", revision=revision, document=stored, at=now)


def _publish(bind: sa.Connection, kind: str, slug: str, *, keep_days: int) -> None:
    """Publish a draft, as an editor's publish does: the item's columns, condition links and codes, a new
    revision, an audit entry and the change feed."""
    draft = _get_draft(bind, kind, slug)
    assert draft is not None
    document = draft.document
    if missing := _dangling(bind, document, published=True):
        raise ValueError(f"publish what the {kind} {slug!r} refers to first: {missing}")
    now, before, revision = datetime.now(UTC), draft.published, draft.revision + 1
    bind.execute(
        sa.update(DRAFT)
        .where(DRAFT.c.id == draft.id)
        .values(revision=revision, status="published", published=document, published_revision=revision, updated_at=now)
    )
    columns = {**_item_columns(document), "updated_at": now, "revision": revision}
    if bind.execute(sa.select(ITEM.c.id).where(ITEM.c.id == draft.id)).first() is None:
        bind.execute(sa.insert(ITEM).values(id=draft.id, type=kind, slug=slug, **{"body": "", **columns}))
    else:
        bind.execute(sa.update(ITEM).where(ITEM.c.id == draft.id).values(**columns))
    # Links: a linked item to its published conditions, or a condition to the published items naming it.
    side = LINK.c.condition_id if kind == "condition" else LINK.c.item_id
    bind.execute(sa.delete(LINK).where(side == draft.id))
    conditions = {
        row.slug: row.id for row in bind.execute(sa.select(ITEM.c.slug, ITEM.c.id).where(ITEM.c.type == "condition"))
    }
    if kind in LINKED_TYPES:
        for condition in document.get("conditions", []):
            bind.execute(sa.insert(LINK).values(condition_id=conditions[condition], item_id=draft.id))
    elif kind == "condition":
        published = bind.execute(sa.select(DRAFT.c.id, DRAFT.c.published).where(DRAFT.c.status == "published"))
        for other_id, other in published.all():
            if slug in (other or {}).get("conditions", []):
                bind.execute(sa.insert(LINK).values(condition_id=draft.id, item_id=other_id))
    _write_codes(bind, draft.id, before=before, after=document)
    _audit(bind, kind, slug, action="publish", revision=revision, document=document, at=now)
    _record_change(
        bind,
        draft,
        event="content.published",
        action="upsert",
        revision=revision,
        at=now,
        keep_days=keep_days,
        before=before,
        after=document,
    )


def _write_codes(
    bind: sa.Connection, item_id: uuid.UUID, *, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> None:
    """Publish an item's codes, when they changed."""
    codes = _codes_of(after)
    if _codes_of(before) == codes:
        return
    bind.execute(sa.delete(CODE).where(CODE.c.item_id == item_id))
    for position, code in enumerate(codes):
        bind.execute(sa.insert(CODE).values(item_id=item_id, position=position, **code))


def _apply_codes(bind: sa.Connection, data: dict[str, Any], *, keep_days: int) -> None:
    """Publish the release's codes on the published items that have none; an item an editor has
    unpublished or coded stays as it is, and so does one whose draft refers to content that no longer
    exists. Only the codes change."""
    for entry in data["items"]:
        kind, slug = entry["type"], entry["slug"]
        draft = _get_draft(bind, kind, slug)
        if draft is None or draft.status != "published" or _codes_of(draft.published):
            continue
        if _dangling(bind, draft.document, published=False):
            continue
        _update(bind, kind, slug, {"codes": entry["codes"]})
        _publish(bind, kind, slug, keep_days=keep_days)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "item_code",
        sa.Column("item_id", sa.Uuid(), sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("display", sa.String(length=200), nullable=False),
    )
    op.create_index("ix_item_code_code", "item_code", ["code"])
    _apply_codes(op.get_bind(), json.loads(DATA.read_text(encoding="utf-8")), keep_days=_keep_days())


def downgrade() -> None:
    """Revert this migration: the codes go; the items keep their other fields."""
    op.drop_index("ix_item_code_code", table_name="item_code")
    op.drop_table("item_code")
