"""the triage ruleset in the change feed

Revision ID: 0007
Revises: 0006

Offline apps assess answers with the ruleset of /v1/export and learn of a new one from /v1/changes.
A database loaded before this release gets the ruleset in force as its feed entry.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The ruleset's place in the feed: one entry, its revision the ruleset version.
RULESET_TYPE = "ruleset"
RULESET_SLUG = "triage"

RULESET = sa.table(
    "triage_ruleset", sa.column("version", sa.String()), sa.column("loaded_at", sa.DateTime(timezone=True))
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


def upgrade() -> None:
    """Apply this migration."""
    bind = op.get_bind()
    current = bind.execute(sa.select(RULESET.c.version).order_by(RULESET.c.loaded_at.desc()).limit(1)).scalar()
    listed = bind.execute(sa.select(CHANGE.c.seq).where(CHANGE.c.type == RULESET_TYPE).limit(1)).first()
    if current is None or listed is not None:
        return
    # Its feed entry, as a newly loaded ruleset gets one (webhooks, told too, arrive with 0008).
    bind.execute(sa.delete(CHANGE).where(CHANGE.c.type == RULESET_TYPE, CHANGE.c.slug == RULESET_SLUG))
    bind.execute(
        sa.insert(CHANGE).values(
            type=RULESET_TYPE, slug=RULESET_SLUG, action="upsert", revision=int(current), at=datetime.now(UTC)
        )
    )
    # Tell every worker that published content changed: the counters row, made when missing.
    if bind.execute(sa.update(COUNTERS).where(COUNTERS.c.id == 1).values(version=COUNTERS.c.version + 1)).rowcount == 0:
        bind.execute(sa.insert(COUNTERS).values(id=1, version=1, keys_version=0, changes_floor=0))


def downgrade() -> None:
    """Revert this migration: the feed forgets the ruleset."""
    op.execute(f"DELETE FROM change WHERE type = '{RULESET_TYPE}'")
