"""the triage ruleset in the change feed

Revision ID: 0007
Revises: 0006

Offline apps assess answers with the ruleset of /v1/export and learn of a new one from /v1/changes.
A database loaded before this release gets the ruleset in force as its feed entry.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op
from sqlmodel import Session, col, select

from app.content.service import bump_content_version
from app.platform.editing.feed import record_ruleset
from app.sync.feed import RULESET_TYPE
from app.sync.models import Change
from app.triage.models import TriageRuleset

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with Session(bind=op.get_bind()) as session:
        current = session.exec(select(TriageRuleset).order_by(col(TriageRuleset.loaded_at).desc())).first()
        listed = session.exec(select(Change.seq).where(Change.type == RULESET_TYPE)).first()
        if current is not None and listed is None:
            record_ruleset(session, version=int(current.version), at=datetime.now(UTC))
            bump_content_version(session=session)
            session.commit()


def downgrade() -> None:
    """Revert this migration: the feed forgets the ruleset."""
    op.execute(f"DELETE FROM change WHERE type = '{RULESET_TYPE}'")
