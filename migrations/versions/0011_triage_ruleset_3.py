"""triage ruleset 3

Revision ID: 0011
Revises: 0010

Loads triage ruleset version 3 on a database that serves an earlier one, and publishes it in the
change feed (and to `ruleset.published` webhooks), so that offline apps fetch it. A database with no
ruleset gets ruleset 3 from the seed that follows the migrations.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session, select

from app.content.service import bump_content_version
from app.platform.editing.feed import record_ruleset
from app.triage.models import TriageRuleset
from app.triage.service import store_ruleset
from seed.loader import read_ruleset

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULESET_VERSION = 3


def upgrade() -> None:
    """Apply this migration."""
    ruleset = read_ruleset()
    assert ruleset.version >= RULESET_VERSION, "the seed ships an older ruleset than this migration loads"
    with Session(bind=op.get_bind()) as session:
        serving = session.exec(select(TriageRuleset.version)).first() is not None
        if serving and store_ruleset(session=session, document=ruleset):
            record_ruleset(session, version=ruleset.version, at=datetime.now(UTC))
            bump_content_version(session=session)
            session.commit()


def downgrade() -> None:
    """Revert this migration: ruleset 2 is in force again (the feed keeps its entry for version 3)."""
    op.execute(sa.text("DELETE FROM triage_ruleset WHERE version = :version").bindparams(version=str(RULESET_VERSION)))
