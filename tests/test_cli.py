"""The `backpain` command."""

import json

from typer.testing import CliRunner

from app.cli import cli


def test_migrate_seed_export(database_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    first = runner.invoke(cli, ["seed"])
    assert first.exit_code == 0
    assert "seed: 61 items added" in first.output  # the migrations already loaded the triage ruleset
    second = runner.invoke(cli, ["seed"])
    assert "seed: 0 items added" in second.output
    exported = runner.invoke(cli, ["export"])
    assert exported.exit_code == 0
    document = json.loads(exported.stdout)
    assert {k: len(v) for k, v in document.items()} == {
        "conditions": 1,
        "causes": 8,
        "symptoms": 27,
        "treatments": 13,
        "sources": 12,
    }
    assert document["conditions"][0]["slug"] == "back-spasms"


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "migrate", "seed", "export", "evaluate"):
        assert name in result.output
