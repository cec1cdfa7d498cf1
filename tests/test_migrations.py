"""The migrations run up, down and up again on SQLite and PostgreSQL, and match the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.core.db import alembic_config, make_engine, migration_head, schema_is_current
from tests.conftest import EmptyDatabase

TABLES = {"alembic_version", "content_version", "item", "item_link", "triage_ruleset"}


def test_upgrade_downgrade_upgrade(databases: EmptyDatabase) -> None:
    url = databases.create()
    config = alembic_config(url)
    engine = make_engine(url)
    try:
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) == TABLES
        assert schema_is_current(engine)
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        assert not schema_is_current(engine)
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) == TABLES
        assert schema_is_current(engine)
    finally:
        engine.dispose()


def test_migrations_match_the_models(databases: EmptyDatabase) -> None:
    url = databases.create()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
    assert migration_head() == "0002"
