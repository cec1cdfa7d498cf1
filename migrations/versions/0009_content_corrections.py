"""content corrections after a clinical review

Revision ID: 0009
Revises: 0008

Advice that stands on its own (no "the article says"), easing off a movement instead of stopping
activity, NSAIDs and muscle relaxants as NICE NG59 puts them for sciatica, claims only as sure as
the evidence, and same-day wording for red flags that are urgent. On a database seeded by an earlier
release (it holds the seed's own source, the article), each published item whose text differs from
the release gets the release's text as a new published revision, as the editing service publishes,
so that the audit log names this migration and the change feed carries each change to the apps. A
fresh database gets its content from the seed that follows the migrations.

The release's content and triage ruleset are a frozen copy in migrations/data, and the editing steps
are written out here with SQLAlchemy Core, so that later changes to the seed or the application do
not change what this migration does.
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

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "migration 0009"
SEED_SOURCE = "renova-back-spasms"  # the article every seeded database cites
DATA = Path(__file__).resolve().parents[1] / "data" / "0009_content_corrections.json"

LINKED_TYPES = frozenset({"cause", "symptom", "treatment"})
TYPE_FIELDS = {
    "condition": (),
    "cause": ("category",),
    "symptom": ("red_flag", "urgency", "action"),
    "treatment": ("category", "when_to_use", "cautions"),
}
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
RULESET = sa.table(
    "triage_ruleset",
    sa.column("version", sa.String()),
    sa.column("document", sa.JSON()),
    sa.column("loaded_at", sa.DateTime(timezone=True)),
)
ENDPOINT = sa.table(
    "webhook_endpoint",
    sa.column("id", sa.Uuid()),
    sa.column("events", sa.JSON()),
    sa.column("disabled_at", sa.DateTime(timezone=True)),
)
DELIVERY = sa.table(
    "webhook_delivery",
    sa.column("endpoint_id", sa.Uuid()),
    sa.column("message_id", sa.String()),
    sa.column("type", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
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


def _document_of(entry: dict[str, Any], codes: list[dict[str, str]] | None) -> dict[str, Any]:
    """The editing document of a seed item, in its stored JSON form, as the seed writes it."""
    item = entry["item"]
    if entry["type"] == "source":
        return {
            "name": item["name"],
            "summary": item["summary"],
            "title": item.get("title"),
            "publisher": item.get("publisher") or "",
            "url": item.get("url"),
        }
    document: dict[str, Any] = {
        "name": item["name"],
        "summary": item["summary"],
        "body": item["body"],
        "sources": item["citations"],
        "codes": codes or [],
        "last_reviewed": item.get("last_reviewed"),
        "next_review_due": item.get("next_review_due"),
    }
    for name in TYPE_FIELDS[entry["type"]]:
        document[name] = item.get(name)
    if entry["type"] in LINKED_TYPES:
        document["conditions"] = sorted(entry["conditions"])
    return document


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


def _uncoded(document: dict[str, Any] | None) -> dict[str, Any]:
    return {name: value for name, value in (document or {}).items() if name != "codes"}


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


def _enqueue(bind: sa.Connection, event: str, data: dict[str, Any], *, at: datetime) -> None:
    """Put an event in the outbox of every enabled webhook endpoint that wants it."""
    endpoints = bind.execute(sa.select(ENDPOINT.c.id, ENDPOINT.c.events).where(ENDPOINT.c.disabled_at.is_(None)))
    message_id = f"msg_{uuid.uuid4().hex}"
    payload = {"type": event, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    for endpoint_id, events in endpoints.all():
        if event in events:
            bind.execute(
                sa.insert(DELIVERY).values(
                    endpoint_id=endpoint_id,
                    message_id=message_id,
                    type=event,
                    payload=payload,
                    created_at=at,
                    attempts=0,
                    next_attempt_at=at,
                )
            )


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
    cites, a condition's items), a new place in the feed; tell the webhooks; count the change; drop
    deletions older than the feed keeps."""
    _feed(bind, draft.type, draft.slug, action=action, revision=revision, at=at)
    changed = [{"type": draft.type, "slug": draft.slug, "action": action}]
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
            changed.append({"type": kind, "slug": slug, "action": "upsert"})
    data = {"type": draft.type, "slug": draft.slug, "revision": revision, "changed": changed}
    _enqueue(bind, event, data, at=at)
    expired = sa.and_(CHANGE.c.action == "delete", CHANGE.c.at < at - timedelta(days=keep_days))
    newest_expired = bind.execute(sa.select(sa.func.max(CHANGE.c.seq)).where(expired)).scalar()
    if newest_expired is not None:
        bind.execute(sa.delete(CHANGE).where(expired))
    _count_change(bind, floor=newest_expired)


def _store_ruleset(bind: sa.Connection, ruleset: dict[str, Any]) -> bool:
    """Add the ruleset version unless it is loaded already; True when added."""
    version = str(ruleset["version"])
    if bind.execute(sa.select(RULESET.c.version).where(RULESET.c.version == version)).first() is not None:
        return False
    bind.execute(sa.insert(RULESET).values(version=version, document=ruleset["document"], loaded_at=datetime.now(UTC)))
    return True


def _seed(bind: sa.Connection, data: dict[str, Any]) -> None:
    """Add the ruleset and the items the database has never had (by type and slug, in the audit log or
    published), as the seed does: each published at revision 1 with its draft, seed audit entry and
    feed entry."""
    ruleset_added = _store_ruleset(bind, data["ruleset"])
    known = {tuple(row) for row in bind.execute(sa.select(AUDIT.c.type, AUDIT.c.slug))}
    known |= {tuple(row) for row in bind.execute(sa.select(ITEM.c.type, ITEM.c.slug))}
    now = datetime.now(UTC)
    if ruleset_added:
        version = data["ruleset"]["version"]
        _feed(bind, "ruleset", "triage", action="upsert", revision=version, at=now)
        _enqueue(bind, "ruleset.published", {"version": version, "url": "/v1/export"}, at=now)
    condition_ids = {entry["slug"]: uuid.UUID(entry["id"]) for entry in data["items"] if entry["type"] == "condition"}
    added = [entry for entry in data["items"] if (entry["type"], entry["slug"]) not in known]
    for entry in added:
        columns = dict(entry["item"])  # the item's columns that are not null
        for name in ("last_reviewed", "next_review_due"):
            if name in columns:
                columns[name] = date.fromisoformat(columns[name])
        bind.execute(
            sa.insert(ITEM).values(
                id=uuid.UUID(entry["id"]), type=entry["type"], slug=entry["slug"], updated_at=now, revision=1, **columns
            )
        )
    for entry in added:
        item_id, kind, slug = uuid.UUID(entry["id"]), entry["type"], entry["slug"]
        for condition in entry.get("conditions", []):
            bind.execute(sa.insert(LINK).values(condition_id=condition_ids[condition], item_id=item_id))
        for position, code in enumerate(entry.get("codes", [])):
            bind.execute(sa.insert(CODE).values(item_id=item_id, position=position, **code))
        document = _document_of(entry, entry.get("codes"))
        bind.execute(
            sa.insert(DRAFT).values(
                id=item_id,
                type=kind,
                slug=slug,
                revision=1,
                status="published",
                document=document,
                published=document,
                published_revision=1,
                created_at=now,
                updated_at=now,
            )
        )
        bind.execute(
            sa.insert(AUDIT).values(
                at=now, actor="seed", action="seed", type=kind, slug=slug, revision=1, document=document
            )
        )
        bind.execute(sa.insert(CHANGE).values(type=kind, slug=slug, action="upsert", revision=1, at=now))
    if added or ruleset_added:
        _count_change(bind)


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


def _release(bind: sa.Connection, data: dict[str, Any], *, keep_days: int) -> None:
    """Bring a database seeded by an earlier release up to this one: new items and the ruleset added as
    the seed adds them; each published item whose document or codes differ gets them as a new published
    revision (an item an editor has unpublished stays so)."""
    _seed(bind, data)
    for entry in data["items"]:
        kind, slug = entry["type"], entry["slug"]
        draft = _get_draft(bind, kind, slug)
        if draft is None or draft.status != "published":
            continue
        document = _complete(kind, _document_of(entry, entry["codes"]))
        if _uncoded(draft.published) == _uncoded(document) and _codes_of(draft.published) == entry["codes"]:
            continue
        _update(bind, kind, slug, document)
        _publish(bind, kind, slug, keep_days=keep_days)


def upgrade() -> None:
    """Apply this migration."""
    bind = op.get_bind()
    if bind.execute(sa.select(ITEM.c.id).where(ITEM.c.slug == SEED_SOURCE)).first() is not None:
        _release(bind, json.loads(DATA.read_text(encoding="utf-8")), keep_days=_keep_days())


def downgrade() -> None:
    """Revert this migration: nothing to undo; published content keeps its corrections."""
