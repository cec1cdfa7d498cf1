"""one live API key per name

Revision ID: 0005
Revises: 0004

Key names name the actor in the audit log, so two live keys may not share one. Live keys that
already do keep their name on the oldest; the others get their display prefix added to it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    """Apply this migration."""
    bind = op.get_bind()
    keys = sa.table("api_key", sa.column("id"), sa.column("name"), sa.column("prefix"), sa.column("revoked_at"))
    live = bind.execute(
        sa.select(keys.c.id, keys.c.name, keys.c.prefix)
        .where(keys.c.revoked_at.is_(None))
        .order_by(sa.text("created_at"))
    ).all()
    seen: set[str] = set()
    for key_id, name, prefix in live:
        if name in seen:
            bind.execute(sa.update(keys).where(keys.c.id == key_id).values(name=f"{name[:80]} ({prefix})"))
        seen.add(name)
    op.create_index(
        "uq_api_key_live_name", "api_key", ["name"], unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("uq_api_key_live_name", table_name="api_key", sqlite_where=_LIVE, postgresql_where=_LIVE)
