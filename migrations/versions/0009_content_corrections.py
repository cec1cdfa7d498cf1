"""content corrections after a clinical review

Revision ID: 0009
Revises: 0008

Advice that stands on its own (no "the article says"), easing off a movement instead of stopping
activity, NSAIDs and muscle relaxants as NICE NG59 puts them for sciatica, claims only as sure as
the evidence, and same-day wording for red flags that are urgent. On a database seeded by an earlier
release (it holds the seed's own source, the article), each published item whose text differs from
the seed gets the seed's text as a new published revision, through the editing service, so that the
audit log names this migration and the change feed carries each change to the apps. A fresh database
gets its content from the seed that follows the migrations.
"""

from collections.abc import Sequence

from alembic import op
from sqlmodel import Session, select

from app.content.models import Item
from app.core.config import get_settings
from seed.loader import apply_release

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_SOURCE = "renova-back-spasms"  # the article every seeded database cites


def upgrade() -> None:
    """Apply this migration."""
    with Session(bind=op.get_bind()) as session:
        seeded = session.exec(select(Item.id).where(Item.slug == SEED_SOURCE)).first() is not None
        if seeded:
            keep_days = get_settings().changes_tombstone_days
            apply_release(session=session, actor="migration 0009", retired=[], keep_days=keep_days)


def downgrade() -> None:
    """Revert this migration: nothing to undo; published content keeps its corrections."""
