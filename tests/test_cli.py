"""The `backpain` command."""

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings
from app.core.db import get_engine
from tests.conftest import EmptyDatabase


@pytest.fixture
def database_env(databases: EmptyDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.create()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_migrate_seed_export(database_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    first = runner.invoke(cli, ["seed"])
    assert first.exit_code == 0
    assert "seed: 51 items added" in first.output
    second = runner.invoke(cli, ["seed"])
    assert "seed: 0 items added" in second.output
    exported = runner.invoke(cli, ["export"])
    assert exported.exit_code == 0
    document = json.loads(exported.stdout)
    assert {k: len(v) for k, v in document.items()} == {
        "conditions": 1,
        "causes": 8,
        "symptoms": 21,
        "treatments": 12,
        "sources": 8,
    }
    assert document["conditions"][0]["slug"] == "back-spasms"


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "migrate", "seed", "export"):
        assert name in result.output
