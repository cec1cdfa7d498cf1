"""triage ruleset 3

Revision ID: 0011
Revises: 0010

Loads triage ruleset version 3 on a database that serves an earlier one, and publishes it in the
change feed (and to `ruleset.published` webhooks), so that offline apps fetch it. A database with no
ruleset gets ruleset 3 from the seed that follows the migrations.

The ruleset is a frozen copy in migrations/data, so that later changes to the seed do not change what
this migration loads.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULESET_VERSION = 3
DATA = Path(__file__).resolve().parents[1] / "data" / "0011_triage_ruleset_3.json"

RULESET = sa.table(
    "triage_ruleset",
    sa.column("version", sa.String()),
    sa.column("document", sa.JSON()),
    sa.column("loaded_at", sa.DateTime(timezone=True)),
)
CHANGE = sa.table(
    "change",
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


def upgrade() -> None:
    """Apply this migration."""
    bind = op.get_bind()
    if bind.execute(sa.select(RULESET.c.version).limit(1)).first() is None:
        return
    ruleset = json.loads(DATA.read_text(encoding="utf-8"))["ruleset"]
    version = str(ruleset["version"])
    if bind.execute(sa.select(RULESET.c.version).where(RULESET.c.version == version)).first() is not None:
        return
    bind.execute(sa.insert(RULESET).values(version=version, document=ruleset["document"], loaded_at=datetime.now(UTC)))
    # Its feed entry and the webhooks told, as for any newly loaded ruleset; then the workers.
    now = datetime.now(UTC)
    bind.execute(sa.delete(CHANGE).where(CHANGE.c.type == "ruleset", CHANGE.c.slug == "triage"))
    bind.execute(
        sa.insert(CHANGE).values(type="ruleset", slug="triage", action="upsert", revision=ruleset["version"], at=now)
    )
    _enqueue(bind, "ruleset.published", {"version": ruleset["version"], "url": "/v1/export"}, at=now)
    if bind.execute(sa.update(COUNTERS).where(COUNTERS.c.id == 1).values(version=COUNTERS.c.version + 1)).rowcount == 0:
        bind.execute(sa.insert(COUNTERS).values(id=1, version=1, keys_version=0, changes_floor=0))


def downgrade() -> None:
    """Revert this migration: ruleset 2 is in force again (the feed keeps its entry for version 3)."""
    op.execute(sa.text("DELETE FROM triage_ruleset WHERE version = :version").bindparams(version=str(RULESET_VERSION)))
