"""the audit log names the key that wrote, by id, and names keys by id

Revision ID: 0012
Revises: 0011

Each audit event made with a key records the key's id beside its name (`actor_key_id`). Events about
keys named the key by its display prefix, which an edit-scope key could read; they now name it by id,
here for the events already written too. Webhook changes are recorded from now on.
"""

import uuid
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename_key_events(rename: Callable[[uuid.UUID, str], tuple[str, str]]) -> None:
    """Each key event's slug from one name of its key to the other: `rename` gives (from, to)."""
    bind = op.get_bind()
    keys = sa.table("api_key", sa.column("id", sa.Uuid()), sa.column("prefix", sa.String()))
    events = sa.table("audit_event", sa.column("type", sa.String()), sa.column("slug", sa.String()))
    for key_id, prefix in bind.execute(sa.select(keys.c.id, keys.c.prefix)).all():
        old, new = rename(key_id, prefix)
        bind.execute(sa.update(events).where(events.c.type == "key", events.c.slug == old).values(slug=new))


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("actor_key_id", sa.Uuid(), nullable=True, server_default=sa.null()))
    _rename_key_events(lambda key_id, prefix: (prefix, str(key_id)))


def downgrade() -> None:
    """Revert this migration: key events name the key by its prefix again."""
    _rename_key_events(lambda key_id, prefix: (str(key_id), prefix))
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("actor_key_id")
