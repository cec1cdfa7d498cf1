"""clinical safety release: triage ruleset 2 and corrected content

Revision ID: 0004
Revises: 0003

Loads triage ruleset version 2. On a database seeded by an earlier release (it holds an older
ruleset), it also publishes the corrected items, adds the new ones (sources, red flags,
keep-active) and deletes the retired BASS 2018 source, through the editing service, so that the
audit log and the change feed show each change. A fresh database gets its content from the seed
that follows the migrations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session, select

from app.content.models import ItemType
from app.core.config import get_settings
from app.triage.models import TriageRuleset
from app.triage.service import store_ruleset
from seed.loader import apply_release, read_ruleset

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULESET_VERSION = 2
RETIRED = [(ItemType.source, "bass-cauda-equina-2018")]


def upgrade() -> None:
    """Apply this migration."""
    ruleset = read_ruleset()
    assert ruleset.version >= RULESET_VERSION, "the seed ships an older ruleset than this migration loads"
    with Session(bind=op.get_bind()) as session:
        if session.exec(select(TriageRuleset.version)).first() is None:
            store_ruleset(session=session, document=ruleset)
            session.commit()
        else:
            keep_days = get_settings().changes_tombstone_days
            # Codes arrive with 0006, which makes their table.
            apply_release(session=session, actor="migration 0004", retired=RETIRED, keep_days=keep_days, codes=False)


def downgrade() -> None:
    """Revert this migration: ruleset 1 is in force again. Published content keeps its corrections."""
    op.execute(sa.text("DELETE FROM triage_ruleset WHERE version = :version").bindparams(version=str(RULESET_VERSION)))
