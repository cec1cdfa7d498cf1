"""The `backpain` command."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings
from app.core.db import get_engine, make_engine


def test_migrate_seed_export(database_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    first = runner.invoke(cli, ["seed"])
    assert first.exit_code == 0
    assert "seed: 93 items added" in first.output  # the migrations already loaded the triage ruleset
    second = runner.invoke(cli, ["seed"])
    assert "seed: 0 items added" in second.output
    exported = runner.invoke(cli, ["export"])
    assert exported.exit_code == 0
    document = json.loads(exported.stdout)
    assert {k: len(v) for k, v in document.items()} == {
        "conditions": 1,
        "causes": 8,
        "symptoms": 34,
        "treatments": 27,
        "sources": 23,
    }
    assert document["conditions"][0]["slug"] == "back-spasms"


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "migrate", "seed", "export", "evaluate"):
        assert name in result.output


def test_outside_the_project_the_cli_says_what_to_do_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./var/backpain.db")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        for args in (["seed"], ["export"], ["evaluate"], ["keys", "create", "--name", "n", "--scope", "read"]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 1, args
            assert result.output.strip() == (
                "backpain: no database at sqlite:///./var/backpain.db (DATABASE_URL): run `backpain migrate` first,"
                " or run from the project folder"
            )
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()
    assert list(tmp_path.iterdir()) == []  # nothing made there


def test_a_database_without_migrations_says_run_migrate_first(database_env: str) -> None:
    engine = make_engine(database_env)
    with engine.begin() as connection:  # the database exists and answers, but holds no schema
        connection.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    engine.dispose()
    result = CliRunner().invoke(cli, ["seed"])
    assert result.exit_code == 1
    assert "is not migrated (at nothing): run `backpain migrate` first" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_serving_where_others_reach_it_needs_a_public_base_url(
    host: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Canonical URLs (FHIR, JSON-LD, Atom) are cached publicly: a Host header must never make them."""
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/never.db")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--host", host, "--port", "9"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "PUBLIC_BASE_URL is not set" in result.output
    assert list(tmp_path.iterdir()) == []  # refused before migrating anything


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_serving_on_this_machine_alone_may_use_the_request_address(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run` serves on 127.0.0.1 without PUBLIC_BASE_URL: the check lets it through to the server."""
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    started: list[str] = []
    monkeypatch.setattr("app.cli.run_server", lambda target, **options: started.append(options["host"]))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--host", host, "--no-prepare"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert started == [host]
