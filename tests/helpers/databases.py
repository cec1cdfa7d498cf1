"""Databases built as production builds them: the real migrations, then the seed, on SQLite or PostgreSQL."""

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.core.db import alembic_config, make_engine
from seed.loader import load_seed
from tests.helpers.services import POSTGRES_ADMIN_URL


def migrate_and_seed(url: str) -> None:
    """Build a database the way production does: migrations, then the seed."""
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine) as session:
        load_seed(session=session)
    engine.dispose()


class EmptyDatabase:
    """Makes fresh databases of one backend, empty or seeded, and removes them afterwards."""

    def __init__(self, backend: str, tmp: Path, admin: Engine | None) -> None:
        self.backend, self.tmp, self.admin = backend, tmp, admin
        self.made: list[str] = []
        self._template: str | None = None

    def create(self, *, template: str | None = None) -> str:
        """A new empty database, or a copy of `template` (the name of one made here)."""
        name = f"backpain_test_{uuid.uuid4().hex[:12]}"
        if self.admin is None:
            path = self.tmp / f"{name}.db"
            if template is not None:
                shutil.copyfile(self.tmp / f"{template}.db", path)
            return f"sqlite:///{path}"
        copy = f' TEMPLATE "{template}"' if template is not None else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        self.made.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def create_seeded(self) -> str:
        """A migrated and seeded database: a copy (a file copy, or CREATE DATABASE ... TEMPLATE) of one
        built once per session by the real migrations and the seed."""
        if self._template is None:
            url = self.create()
            migrate_and_seed(url)  # the engine is disposed: nothing holds the template open
            self._template = make_url(url).database
            assert self._template is not None
            if self.admin is None:
                self._template = Path(self._template).stem
        return self.create(template=self._template)

    def drop_all(self) -> None:
        assert self.admin is not None or not self.made
        for name in self.made:
            with self.admin.connect() as connection:  # type: ignore[union-attr]
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def seeded_at(databases: EmptyDatabase, revision: str, **seed: Any) -> Iterator[tuple[Config, Engine]]:
    """A new database migrated to `revision` and seeded there (from the files given), as an earlier
    release left it; yields its Alembic config and engine."""
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, revision)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_seed(session=session, **seed)
        yield config, engine
    finally:
        engine.dispose()
