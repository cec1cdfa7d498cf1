"""clinical codes on content

Revision ID: 0006
Revises: 0005

Conditions, symptoms and treatments carry SNOMED CT and ICD-10-CM codes, in their own table. On a
database seeded before this release, the seed's codes are published on its items through the editing service, so
the audit log names this migration and the change feed carries each coded item.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

from app.core.config import get_settings
from seed.loader import apply_codes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "item_code",
        sa.Column("item_id", sa.Uuid(), sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("display", sa.String(length=200), nullable=False),
    )
    op.create_index("ix_item_code_code", "item_code", ["code"])
    with Session(bind=op.get_bind()) as session:
        apply_codes(session=session, actor="migration 0006", keep_days=get_settings().changes_tombstone_days)


def downgrade() -> None:
    """Revert this migration: the codes go; the items keep their other fields."""
    op.drop_index("ix_item_code_code", table_name="item_code")
    op.drop_table("item_code")
