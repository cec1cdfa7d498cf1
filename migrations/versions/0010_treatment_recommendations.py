"""treatment recommendations and the NICE NG59 content release

Revision ID: 0010
Revises: 0009

Treatments carry what a guideline says of them (`recommended`, `consider` or `not_recommended`, with
the source and locator that say it), in a table of their own. On a database seeded by an earlier
release (it holds the seed's own source, the article), the seed's release is published through the
editing service, as 0004 and 0009 do: each treatment gets its recommendation as a new published
revision, the items NG59 advises against or suggests first and the new sources and red flags are
added, the changed red flags get their new text, and the two red flags that triage ruleset 3
replaced are deleted, so the audit log names this migration and the change feed carries every
change (the deletions as tombstones). A fresh database gets its content from the seed that follows
the migrations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session, select

from app.content.models import Item, ItemType
from app.core.config import get_settings
from seed.loader import apply_release

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_SOURCE = "renova-back-spasms"  # the article every seeded database cites
# Replaced in triage ruleset 3 by recent-fall-or-injury, and by pulsing-tummy with known-aneurysm.
RETIRED = [(ItemType.symptom, "minor-trauma-bone-risk"), (ItemType.symptom, "pulsing-tummy-or-known-aneurysm")]


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "item_recommendation",
        sa.Column("item_id", sa.Uuid(), primary_key=True),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("locator", sa.String(length=200), nullable=False),
    )
    with Session(bind=op.get_bind()) as session:
        seeded = session.exec(select(Item.id).where(Item.slug == SEED_SOURCE)).first() is not None
        if seeded:
            keep_days = get_settings().changes_tombstone_days
            apply_release(session=session, actor="migration 0010", retired=RETIRED, keep_days=keep_days)


def downgrade() -> None:
    """Revert this migration: the recommendations go; published content keeps the release."""
    op.drop_table("item_recommendation")
