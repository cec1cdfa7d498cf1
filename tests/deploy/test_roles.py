"""deploy/postgres/initdb/10-roles.sh on a real PostgreSQL: the owner migrates and seeds, the app role serves
and writes rows, and cannot change the schema.

The postgres image runs the script once, as the superuser, when it creates the cluster; here it runs with
psql against a new database of the test server, with role names of its own (roles are cluster-wide).
"""

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.editing import TREATMENT
from tests.helpers.keys import bearer, make_key
from tests.helpers.services import POSTGRES_ADMIN_URL, need_service

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.anyio]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "postgres" / "initdb" / "10-roles.sh"
BACKPAIN = str(Path(sys.executable).parent / "backpain")


@dataclass
class Roles:
    """A test database and the script's two roles on it; each role's password is its name and `-password`."""

    database: str
    owner: str
    app: str

    def url(self, role: str) -> str:
        return (
            make_url(POSTGRES_ADMIN_URL)
            .set(username=role, password=f"{role}-password", database=self.database)
            .render_as_string(hide_password=False)
        )


def run_script(database: str, owner: str, app: str) -> subprocess.CompletedProcess[str]:
    """The script as the postgres image runs it: as the superuser, on the database POSTGRES_DB names."""
    if shutil.which("psql") is None:
        need_service("psql is not installed (apt-get install postgresql-client)")
    admin = make_url(POSTGRES_ADMIN_URL)
    env = {
        **os.environ,
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGPASSWORD": admin.password or "",
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": database,
        "DB_OWNER": owner,
        "DB_OWNER_PASSWORD": f"{owner}-password",
        "DB_APP_USER": app,
        "DB_APP_PASSWORD": f"{app}-password",
    }
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def roles(postgres_admin: Engine) -> Iterator[Roles]:
    """A new database with the script's two roles, under names of this run's own; all removed after."""
    suffix = uuid.uuid4().hex[:10]
    made = Roles(database=f"backpain_roles_{suffix}", owner=f"owner_{suffix}", app=f"app_{suffix}")
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{made.database}"'))
    try:
        ran = run_script(made.database, made.owner, made.app)
        assert ran.returncode == 0, ran.stderr
        yield made
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{made.database}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{made.app}"'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{made.owner}"'))


@pytest.fixture(scope="module")
def prepared(roles: Roles) -> Roles:
    """The database as the compose file's migrate job leaves it: `backpain prepare` as the owner. The
    tests share it: none of them changes the schema, and each write is of rows of its own."""
    env = {**os.environ, "DATABASE_URL": roles.url(roles.owner)}
    done = subprocess.run([BACKPAIN, "prepare"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "seed: 93 items added"
    return roles


def test_the_owner_is_no_superuser_and_owns_the_database_and_schema(roles: Roles, postgres_admin: Engine) -> None:
    with postgres_admin.connect() as connection:
        attributes = connection.execute(
            text(
                "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin,"
                " rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname IN (:o, :a)"
            ),
            {"o": roles.owner, "a": roles.app},
        ).all()
        database = connection.execute(
            text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :d"), {"d": roles.database}
        ).scalar_one()
    schema_admin = create_engine(make_url(POSTGRES_ADMIN_URL).set(database=roles.database))
    try:
        with schema_admin.connect() as connection:
            schema = connection.execute(
                text("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
            ).scalar_one()
    finally:
        schema_admin.dispose()
    # Both log in with the passwords they were given, and neither may create databases or roles.
    assert sorted(tuple(row) for row in attributes) == sorted(
        [(roles.owner, False, False, False, True, True), (roles.app, False, False, False, True, True)]
    )
    assert (database, schema) == (roles.owner, roles.owner)


def test_the_script_can_run_again_on_a_migrated_database(prepared: Roles) -> None:
    again = run_script(prepared.database, prepared.owner, prepared.app)
    assert again.returncode == 0, again.stderr


async def test_the_app_role_serves_and_writes(prepared: Roles) -> None:
    url = prepared.url(prepared.app)
    # What `backpain keys create` does in a replica's container: a key, written as the app role.
    auth = bearer(make_key(url, "admin", "edit"))
    async with serve(url) as client:
        ready = await client.get("/readyz")  # reads the schema's version
        assert ready.status_code == 200, ready.text
        condition = await client.get("/v1/conditions/back-spasms")
        assert (condition.status_code, condition.json()["name"]) == (200, "Back spasms")
        draft = await client.post("/v1/admin/treatments", json=TREATMENT, headers=auth)
        assert draft.status_code == 201, draft.text
        published = await client.post(
            "/v1/admin/treatments/warm-bath/publish", headers={**auth, "If-Match": draft.headers["etag"]}
        )
        assert published.status_code == 200, published.text
        key = await client.post("/v1/admin/keys", json={"name": "clinic", "scopes": ["read"]}, headers=auth)
        assert key.status_code == 201, key.text
        served = await served_within_two_seconds(client, "/v1/treatments/warm-bath", lambda body: "slug" in body)
        assert served["name"] == "Warm bath"


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ("CREATE TABLE intruder (id int)", "permission denied for schema public"),
        ("CREATE SCHEMA intruder", "permission denied for database"),
        ("DROP TABLE change", "must be owner of table change"),
        ("ALTER TABLE change ADD COLUMN intruder int", "must be owner of table change"),
        ("TRUNCATE change", "permission denied for table change"),
        ("CREATE INDEX intruder ON change (id)", "must be owner of table change"),
    ],
)
def test_the_app_role_cannot_change_the_schema(prepared: Roles, statement: str, refused: str) -> None:
    engine = create_engine(prepared.url(prepared.app))
    try:
        with engine.connect() as connection, pytest.raises(ProgrammingError, match=refused):
            connection.execute(text(statement))
    finally:
        engine.dispose()
