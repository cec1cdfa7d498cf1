"""API keys: the CLI, the admin routes, how keys are stored, and how requests present them."""

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.core.db import alembic_config, make_engine
from app.platform.access.models import ApiKey
from app.platform.audit import AuditEvent
from tests.helpers.apps import serve
from tests.helpers.databases import EmptyDatabase
from tests.helpers.keys import bearer, make_key

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("options", "complaint"),
    [(["--scope", "root"], "root"), (["--scope", "read", "--origin", "clinic.example"], "allowed_origins")],
)
def test_cli_refuses_a_bad_scope_or_origin(options: list[str], complaint: str) -> None:
    result = CliRunner().invoke(cli, ["keys", "create", "--name", "n", *options])
    assert result.exit_code == 2
    assert complaint in result.output


async def test_keys_are_created_listed_and_revoked(fresh_url: str, key_for: Callable[..., str]) -> None:
    admin = key_for("admin", name="ops")
    async with serve(fresh_url) as client:
        body = {"name": "clinic-widget", "scopes": ["read"], "allowed_origins": ["https://clinic.example"]}
        created = await client.post("/v1/admin/keys", json=body, headers=bearer(admin))
        assert created.status_code == 201
        made = created.json()
        assert set(made) == {
            "id",
            "name",
            "scopes",
            "allowed_origins",
            "rate_limit_per_minute",
            "prefix",
            "created_at",
            "key",
            "revoked_at",
        }
        assert (made["name"], made["scopes"], made["rate_limit_per_minute"]) == ("clinic-widget", ["read"], None)
        key = made["key"]
        assert made["prefix"] == key[:12]
        # The new key works at once on this worker, from its site.
        clinic = {**bearer(key), "Origin": "https://clinic.example"}
        assert (await client.get("/v1/conditions", headers=clinic)).status_code == 200

        listed = (await client.get("/v1/admin/keys", headers=bearer(admin))).json()
        assert [k["name"] for k in sorted(listed["data"], key=lambda k: k["name"])] == ["clinic-widget", "ops"]
        assert all("key" not in k and "key_hash" not in k for k in listed["data"])
        assert key not in str(listed)

        revoked = await client.delete(f"/v1/admin/keys/{made['id']}", headers=bearer(admin))
        assert (revoked.status_code, revoked.content) == (204, b"")
        refused = await client.get("/v1/conditions", headers=bearer(key))
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        again = await client.delete(f"/v1/admin/keys/{made['id']}", headers=bearer(admin))
        assert again.status_code == 204
        unknown = await client.delete("/v1/admin/keys/00000000-0000-0000-0000-000000000000", headers=bearer(admin))
        assert unknown.status_code == 404
        audit = (await client.get("/v1/admin/audit", headers=bearer(admin))).json()["data"]
        ops = next(k["id"] for k in listed["data"] if k["name"] == "ops")
        assert [(e["actor"], e["actor_key_id"], e["action"], e["type"], e["slug"]) for e in audit[:2]] == [
            ("ops", ops, "key.revoke", "key", made["id"]),
            ("ops", ops, "key.create", "key", made["id"]),
        ]
        # An edit key reads the audit log: it sees which key was made, never a key's first characters.
        editor = key_for("edit", name="editor")
        seen = (await client.get("/v1/admin/audit", headers=bearer(editor))).text
        assert made["prefix"] not in seen
        assert admin[:12] not in seen


async def test_key_list_pages(fresh_url: str, key_for: Callable[..., str]) -> None:
    admin = key_for("admin")
    for n in range(4):
        key_for("read", name=f"reader-{n}")
    async with serve(fresh_url) as client:
        first = await client.get("/v1/admin/keys?limit=3", headers=bearer(admin))
        page = first.json()
        assert len(page["data"]) == 3
        assert first.headers["link"] == f'</v1/admin/keys?limit=3&cursor={page["next_cursor"]}>; rel="next"'
        rest = (await client.get(f"/v1/admin/keys?limit=3&cursor={page['next_cursor']}", headers=bearer(admin))).json()
        assert len(rest["data"]) == 2
        assert rest["next_cursor"] is None
        ids = [k["id"] for k in page["data"] + rest["data"]]
        assert ids == sorted(ids)
        bad = await client.get("/v1/admin/keys?cursor=YWZ0ZXI6bm90LWEtdXVpZA", headers=bearer(admin))
        assert bad.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "", "scopes": ["read"]},
        {"name": "x", "scopes": ["read"], "allowed_origins": ["https://clinic.example/path"]},
        {"name": "x", "scopes": ["read"], "rate_limit_per_minute": 0},
        {"name": "x", "scopes": ["read"], "key": "bpk_mine"},
    ],
)
async def test_bad_key_requests_are_422(fresh_url: str, key_for: Callable[..., str], body: dict[str, object]) -> None:
    admin = key_for("admin")
    async with serve(fresh_url) as client:
        response = await client.post("/v1/admin/keys", json=body, headers=bearer(admin))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


async def test_both_headers_work_and_the_query_string_is_ignored(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        url = "/v1/admin/treatments/heat"
        assert (await client.get(url, headers={"Authorization": f"Bearer {key}"})).status_code == 200
        assert (await client.get(url, headers={"Authorization": f"bearer {key}"})).status_code == 200
        assert (await client.get(url, headers={"X-API-Key": key})).status_code == 200
        for name in ("api_key", "key", "apikey", "X-API-Key"):
            in_query = await client.get(f"{url}?{name}={key}")
            assert in_query.status_code == 401, name
        assert (await client.get(url, headers={"Authorization": f"Basic {key}"})).status_code == 401


async def test_unknown_keys_are_401_even_on_public_routes(fresh_url: str) -> None:
    async with serve(fresh_url) as client:
        for path in ("/v1/conditions/back-spasms", "/v1/treatments", "/v1/search?q=heat"):
            response = await client.get(path, headers={"X-API-Key": "bpk_" + "x" * 43})
            assert response.status_code == 401
            assert response.json()["type"] == "urn:backpain:problem:unauthorized"
        assert (await client.get("/healthz", headers={"X-API-Key": "bpk_nope"})).status_code == 200


async def test_origin_locked_keys(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("read", allowed_origins=["https://clinic.example"])
    async with serve(fresh_url) as client:
        url = "/v1/conditions/back-spasms"
        allowed = await client.get(url, headers={**bearer(key), "Origin": "https://clinic.example"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "*"
        # Without an Origin (not a browser on the clinic's site) a locked key is refused too.
        bare = await client.get(url, headers=bearer(key))
        assert bare.status_code == 403
        assert bare.json()["detail"] == (
            "This API key is locked to its websites: send it from one of them, with their Origin."
        )
        for origin in ("https://evil.example", "http://clinic.example", "https://clinic.example:8443", "null"):
            refused = await client.get(url, headers={**bearer(key), "Origin": origin})
            assert refused.status_code == 403, origin
            assert refused.json()["type"] == "urn:backpain:problem:forbidden-origin"
            # The browser must be able to read the refusal.
            assert refused.headers["access-control-allow-origin"] == "*"
        triage = await client.post(
            "/v1/triage", json={"answers": {}}, headers={**bearer(key), "Origin": "https://evil.example"}
        )
        assert triage.status_code == 403


async def test_keys_are_stored_hashed_and_never_logged(
    fresh_url: str, key_for: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    admin = key_for("admin")
    caplog.set_level(logging.DEBUG)
    async with serve(fresh_url) as client:
        made = (
            await client.post("/v1/admin/keys", json={"name": "n", "scopes": ["read"]}, headers=bearer(admin))
        ).json()
        await client.get("/v1/conditions", headers=bearer(made["key"]))
        await client.get("/v1/conditions", headers=bearer(made["key"] + "x"))
    engine = make_engine(fresh_url)
    with Session(engine) as session:
        stored = " ".join(str(row.model_dump()) for row in session.exec(select(ApiKey)).all())
        stored += " ".join(str(row.model_dump()) for row in session.exec(select(AuditEvent)).all())
    engine.dispose()
    for key in (admin, made["key"]):
        assert key not in stored
        assert key[12:] not in caplog.text
        assert hashlib.sha256(key.encode()).hexdigest() in stored


async def test_a_key_made_by_the_cli_works_at_once(fresh_url: str) -> None:
    async with serve(fresh_url, refresh=3600) as client:  # no poll will reload the keys in this test
        assert (await client.get("/v1/admin/audit")).status_code == 401
        key = make_key(fresh_url, "edit")  # as `backpain keys create` does, beside the running app
        assert (await client.get("/v1/admin/audit", headers=bearer(key))).status_code == 200


async def test_a_burst_of_calls_with_a_new_key_all_succeed(fresh_url: str) -> None:
    """A widget's first page load sends several calls at once with a key the worker has not seen yet."""
    async with serve(fresh_url, refresh=3600) as client:
        assert (await client.get("/v1/conditions/back-spasms")).status_code == 200  # the keys are loaded
        key = make_key(fresh_url, "read")
        paths = ["/v1/conditions/back-spasms", "/v1/causes", "/v1/symptoms", "/v1/treatments", "/v1/sources"] * 2
        responses = await asyncio.gather(*(client.get(path, headers=bearer(key)) for path in paths))
        assert [response.status_code for response in responses] == [200] * len(paths)


async def test_a_live_key_name_is_unique(fresh_url: str, key_for: Callable[..., str]) -> None:
    admin = bearer(key_for("admin", name="ops"))
    async with serve(fresh_url) as client:
        body = {"name": "riverside-widget", "scopes": ["read"]}
        first = await client.post("/v1/admin/keys", json=body, headers=admin)
        assert first.status_code == 201
        clash = await client.post("/v1/admin/keys", json=body, headers=admin)
        assert clash.status_code == 409
        assert clash.json()["detail"] == (
            "A live API key is already named 'riverside-widget': choose another name, or revoke that key first."
        )
        assert (await client.delete(f"/v1/admin/keys/{first.json()['id']}", headers=admin)).status_code == 204
        assert (await client.post("/v1/admin/keys", json=body, headers=admin)).status_code == 201


def test_the_cli_refuses_a_name_a_live_key_has(database_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["keys", "create", "--name", "ops", "--scope", "admin"]).exit_code == 0
    again = runner.invoke(cli, ["keys", "create", "--name", "ops", "--scope", "read"])
    assert again.exit_code == 2
    assert "error: A live API key is already named 'ops'" in again.output


def test_the_migration_renames_live_keys_that_share_a_name(databases: EmptyDatabase) -> None:
    url = databases.create()
    config = alembic_config(url)
    command.upgrade(config, "0004")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for n, revoked in enumerate([None, None, "2026-01-01 00:00:00", None]):
                connection.execute(
                    text(
                        "INSERT INTO api_key"
                        " (id, name, prefix, key_hash, scopes, allowed_origins, created_at, revoked_at)"
                        " VALUES (:id, 'ops', :prefix, :hash, '[]', '[]', :created, :revoked)"
                    ),
                    {
                        "id": uuid.uuid4().hex,
                        "prefix": f"bpk_0000000{n}",
                        "hash": f"{n:064d}",
                        "created": f"2026-01-0{n + 1} 00:00:00",
                        "revoked": revoked,
                    },
                )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM api_key ORDER BY created_at")).scalars().all()
        assert names == ["ops", "ops (bpk_00000001)", "ops", "ops (bpk_00000003)"]
    finally:
        engine.dispose()


async def test_ten_concurrent_creates_with_one_name_give_one_key_and_nine_409s(
    fresh_url: str, key_for: Callable[..., str]
) -> None:
    """The losers of a race for a name get the same 409 as a later duplicate, on every backend."""
    admin = bearer(key_for("admin", name="ops"))
    async with serve(fresh_url) as client:
        body = {"name": "racing-widget", "scopes": ["read"]}
        responses = await asyncio.gather(*(client.post("/v1/admin/keys", json=body, headers=admin) for _ in range(10)))
        assert sorted(response.status_code for response in responses) == [201] + [409] * 9
        for response in responses[1:]:
            if response.status_code == 409:
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["detail"].startswith("A live API key is already named 'racing-widget'")
        listed = (await client.get("/v1/admin/keys", headers=admin)).json()["data"]
        assert sorted(key["name"] for key in listed) == ["ops", "racing-widget"]
