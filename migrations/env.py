"""Alembic environment: the models' metadata, and the database URL from Settings."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import app.content.models
import app.platform.access.models
import app.platform.audit
import app.platform.editing.models
import app.platform.webhooks.models
import app.sync.models
import app.triage.models  # noqa: F401  (these register the tables on SQLModel.metadata)
from app.core.config import get_settings
from app.core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def database_url() -> str:
    """The URL the caller chose, else DATABASE_URL."""
    url = config.attributes.get("database_url")
    return str(url) if url else get_settings().database_url


def run_with(connection: Connection) -> None:
    """Run the migrations on one connection, with batch mode for SQLite's ALTER limits."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
