"""platform: API keys, drafts, the audit log and the change feed

Revision ID: 0003
Revises: 0002

Every item already published gets a draft (its published document), a `seed` audit entry and a
change-feed entry, so it can be edited and synced like new content.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPE_FIELDS = {
    "condition": (),
    "cause": ("category",),
    "symptom": ("red_flag", "urgency", "action"),
    "treatment": ("category", "when_to_use", "cautions"),
}


def _document(row: Any, conditions: list[str]) -> dict[str, Any]:
    if row.type == "source":
        return {
            "name": row.name,
            "summary": row.summary,
            "title": row.title,
            "publisher": row.publisher or "",
            "url": row.url,
        }
    document: dict[str, Any] = {
        "name": row.name,
        "summary": row.summary,
        "body": row.body,
        "sources": row.citations,
        "last_reviewed": row.last_reviewed.isoformat() if row.last_reviewed else None,
        "next_review_due": row.next_review_due.isoformat() if row.next_review_due else None,
    }
    for name in _TYPE_FIELDS[row.type]:
        document[name] = getattr(row, name)
    if row.type != "condition":
        document["conditions"] = sorted(conditions)
    return document


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_prefix"), ["prefix"], unique=False)
    audit = op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type", "slug", "revision", name="uq_audit_event_revision"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_type"), ["type"], unique=False)
    change = op.create_table(
        "change",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("type", "slug", name="uq_change_type_slug"),
        sqlite_autoincrement=True,
    )
    draft = op.create_table(
        "item_draft",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("published", sa.JSON(), nullable=True),
        sa.Column("published_revision", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type", "slug", name="uq_item_draft_type_slug"),
    )
    with op.batch_alter_table("content_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keys_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("changes_floor", sa.Integer(), nullable=False, server_default="0"))
    _backfill(draft, audit, change)


_ITEM = sa.table(
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
_LINK = sa.table("item_link", sa.column("condition_id", sa.Uuid()), sa.column("item_id", sa.Uuid()))


def _backfill(draft: sa.Table, audit: sa.Table, change: sa.Table) -> None:
    connection = op.get_bind()
    items = connection.execute(sa.select(_ITEM).order_by(_ITEM.c.type, _ITEM.c.slug)).all()
    if not items:
        return
    slugs = {row.id: row.slug for row in items}
    conditions: dict[Any, list[str]] = defaultdict(list)
    for condition_id, item_id in connection.execute(sa.select(_LINK.c.condition_id, _LINK.c.item_id)):
        conditions[item_id].append(slugs[condition_id])
    now = datetime.now(UTC)
    drafts, entries, changes = [], [], []
    for row in items:
        document = _document(row, conditions[row.id])
        common = {"type": row.type, "slug": row.slug, "revision": row.revision}
        drafts.append(
            {
                **common,
                "id": row.id,
                "status": "published",
                "document": document,
                "published": document,
                "published_revision": row.revision,
                "created_at": row.updated_at,
                "updated_at": row.updated_at,
            }
        )
        entries.append({**common, "at": now, "actor": "seed", "action": "seed", "document": document})
        changes.append({**common, "action": "upsert", "at": now})
    op.bulk_insert(draft, drafts)
    op.bulk_insert(audit, entries)
    op.bulk_insert(change, changes)
    connection.execute(sa.text("UPDATE content_version SET version = version + 1"))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("content_version", schema=None) as batch_op:
        batch_op.drop_column("changes_floor")
        batch_op.drop_column("keys_version")
    op.drop_table("item_draft")
    op.drop_table("change")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_type"))
    op.drop_table("audit_event")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_prefix"))
    op.drop_table("api_key")
