"""Clinical vignettes: the data file, the served API, and `backpain evaluate`."""

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from alembic import command
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import cli
from app.core.db import alembic_config, make_engine
from app.triage.engine import assess, compile_ruleset, parse_answers
from seed.loader import VIGNETTES_FILE, read_ruleset, read_vignettes
from tests.conftest import migrate_and_seed
from tests.triage.answers import EMERGENCY_SCREEN

VIGNETTES = read_vignettes().cases()
ENGINE = compile_ruleset(read_ruleset())
GUIDANCE = re.compile(r"\b(NHS|NICE|GIRFT|ACP|Renova|TRIAGE\.md)\b")


def test_at_least_80_vignettes_and_20_per_level() -> None:
    per_level = Counter(v.expected for v in VIGNETTES)
    assert len(VIGNETTES) >= 80
    assert set(per_level) == {"emergency", "urgent", "routine", "self_care"}
    assert min(per_level.values()) >= 20, per_level


def test_each_vignette_has_a_case_and_a_rationale_citing_guidance() -> None:
    assert len({v.case for v in VIGNETTES}) == len(VIGNETTES)
    for vignette in VIGNETTES:
        assert GUIDANCE.search(vignette.rationale), vignette.case


def test_every_rule_is_reached_by_some_vignette() -> None:
    fired = {rule.spec.id for v in VIGNETTES for rule in assess(ENGINE, parse_answers(ENGINE, v.answers)).fired}
    written = {rule.spec.id for rule in ENGINE.rules if not rule.spec.id.startswith("unsure-")}
    assert written - fired == set()


def test_every_emergency_question_is_an_emergency_route_and_unsure_is_covered_on_each_step() -> None:
    emergencies = [v for v in VIGNETTES if v.expected == "emergency"]
    for question in EMERGENCY_SCREEN:
        assert any(v.answers[question] is True for v in emergencies), question
    unsure_steps = {q.step for v in VIGNETTES for q in ENGINE.questions if v.answers.get(q.id) == "unsure"}
    assert unsure_steps == {1, 2, 3}
    assert any(v.answers["pregnant"] is True for v in VIGNETTES)
    assert any(v.answers["age"] < 16 for v in VIGNETTES)
    assert sum(v.answers["age"] >= 65 for v in VIGNETTES) >= 5


@pytest.mark.anyio
async def test_the_served_api_gives_every_vignette_its_level(client: httpx.AsyncClient) -> None:
    for vignette in VIGNETTES:
        body = (await client.post("/v1/triage", json={"answers": vignette.answers})).json()
        assert (body["complete"], body["level"]) == (True, vignette.expected), vignette.case


@pytest.fixture
def seeded_env(database_env: str) -> str:
    migrate_and_seed(database_env)
    return database_env


def test_evaluate_prints_the_table_and_passes(seeded_env: str) -> None:
    result = CliRunner().invoke(cli, ["evaluate"])
    assert result.exit_code == 0, result.output
    per_level = Counter(v.expected for v in VIGNETTES)
    lines = result.stdout.splitlines()
    assert lines[0] == f"Triage ruleset 2: {len(VIGNETTES)} vignettes"
    for level, count in per_level.items():
        assert f"| {level} | {count} | {count} | 0 | 0 |" in lines
    assert f"| **all** | {len(VIGNETTES)} | {len(VIGNETTES)} | 0 | 0 |" in lines
    assert f"Emergency recall: 100.0% ({per_level['emergency']}/{per_level['emergency']})." in lines


def test_evaluate_fails_on_under_triage(seeded_env: str, tmp_path: Path) -> None:
    document: dict[str, Any] = yaml.safe_load(VIGNETTES_FILE.read_text(encoding="utf-8"))
    document["vignettes"] = [
        {"case": "claims an emergency", "answers": {}, "expected": "emergency", "rationale": "TRIAGE.md"},
        {"case": "claims self-care", "answers": {"fever": True}, "expected": "self_care", "rationale": "TRIAGE.md"},
    ]
    path = tmp_path / "vignettes.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", "--file", str(path)])
    assert result.exit_code == 1
    assert "| emergency | 1 | 0 | 1 | 0 |" in result.stdout
    assert "| self_care | 1 | 0 | 0 | 1 |" in result.stdout
    assert "- UNDER: claims an emergency expected emergency, got self_care" in result.stdout
    assert "1 vignettes were under-triaged" in result.output


def test_evaluate_without_a_ruleset_says_what_to_do(database_env: str) -> None:
    command.upgrade(alembic_config(database_env), "head")
    engine = make_engine(database_env)
    with engine.begin() as connection:  # as if someone removed the rulesets by hand
        connection.execute(text("DELETE FROM triage_ruleset"))
    engine.dispose()
    result = CliRunner().invoke(cli, ["evaluate"])
    assert result.exit_code == 2
    assert "no triage ruleset is loaded; run `backpain prepare` first" in result.output
