"""The offline engine (app/triage/engine.js) driven from Python, and the Python engine built as a worker builds it."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.triage.regions import LocalServices
from app.triage.ruleset import RulesetDocument, parse_ruleset_file
from app.triage.served import ServedTriage, build_triage

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "app" / "triage" / "engine.js"
DRIVER = ROOT / "tests" / "triage" / "engine_driver.mjs"
RULESET = parse_ruleset_file(ROOT / "seed" / "triage.yaml")
VIGNETTES = yaml.safe_load((ROOT / "seed" / "vignettes.yaml").read_text(encoding="utf-8"))


def seed_treatments() -> dict[str, dict[str, str]]:
    """The treatments a worker shows (the seed's), with the fields the engines read."""
    content = yaml.safe_load((ROOT / "seed" / "content.yaml").read_text(encoding="utf-8"))
    return {
        item["slug"]: {key: str(item.get(key) or "") for key in ("slug", "name", "summary", "category", "cautions")}
        for item in content["treatments"]
    }


def offline_triage(local: LocalServices, document: RulesetDocument = RULESET) -> ServedTriage:
    """The Python engine as a worker builds it; its `offline` is the export's `ruleset`, byte for byte."""
    return build_triage(document, seed_treatments(), local, cache_control=b"no-cache")


class Node:
    """One Node process running the offline engine over a JSON-lines pipe (see engine_driver.mjs)."""

    def __init__(self, ruleset: dict[str, Any] | None = None, treatments: list[dict[str, str]] | None = None) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.fail("Node.js is needed to test the offline engine")
        self.process = subprocess.Popen(
            [node, str(DRIVER), str(ENGINE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.ask({"ruleset": ruleset, "treatments": treatments or []}) == {"engine_version": 3}

    def ask(self, message: dict[str, Any]) -> Any:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=10) == 0
        self.process.stdout.close()
