"""triage ruleset

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "triage_ruleset",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    with op.batch_alter_table("triage_ruleset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_ruleset_loaded_at"), ["loaded_at"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("triage_ruleset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_ruleset_loaded_at"))

    op.drop_table("triage_ruleset")
