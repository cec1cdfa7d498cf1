"""Generated clients, as integrators make them from /openapi.json: they generate with no warnings, the
TypeScript one type-checks under `tsc --strict` and runs an offline-first sync and triage against a live
server, and the Python one parses the sync documents into their typed models, with no casts."""

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.databases import migrate_and_seed
from tests.helpers.keys import make_key
from tests.helpers.servers import served

pytestmark = pytest.mark.slow

TYPESCRIPT = Path(__file__).with_name("typescript")
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A served API on a seeded database of its own, and that database (for keys). The clients see
    only HTTP, so one backend is enough: the API's answers are the same on both (other tests check)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('clients') / 'api.db'}"
    migrate_and_seed(url)
    with served(url) as base:
        yield base, url


def run(command: list[str], *, cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_the_typescript_client(live: tuple[str, str]) -> None:
    base, _ = live
    if not (TYPESCRIPT / "node_modules" / ".installed").exists():
        pytest.fail("run `make test` (it installs tests/clients/typescript) or npm ci there")
    generated = TYPESCRIPT / "generated"
    generated.mkdir(exist_ok=True)
    (generated / "openapi.json").write_bytes(httpx.get(f"{base}/openapi.json").content)
    output = run(
        ["node_modules/.bin/openapi-typescript", "generated/openapi.json", "-o", "generated/api.ts"], cwd=TYPESCRIPT
    )
    assert "warn" not in output.lower(), output
    run(["node_modules/.bin/tsc", "-p", "."], cwd=TYPESCRIPT)  # strict, no emit on any error
    result = json.loads(run(["node", "build/src/offline.js", base], cwd=TYPESCRIPT).splitlines()[-1])
    assert result == {
        "items": 93,
        "feed_agrees": True,  # the feed from its start rebuilds the export, ruleset included
        "not_modified": 304,
        "condition": 27,  # the condition typed as one: its treatments are there to count
        "offline_refused": True,  # the client really had no network while the engine assessed
        "level": "routine",
        "ruleset_version": 3,
        "same": True,  # the offline result is the API's, field for field
    }


def test_the_python_client(live: tuple[str, str], tmp_path: Path) -> None:
    base, database = live
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{base}/openapi.json").content)
    package = tmp_path / "backpain_client"
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [
            VENV_BIN / "openapi-python-client",
            "generate",
            "--path",
            document,
            "--output-path",
            package,
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower(), done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        client_module: Any = importlib.import_module("backpain_client")
        export_content: Any = importlib.import_module("backpain_client.api.sync.export_content")
        list_changes: Any = importlib.import_module("backpain_client.api.sync.list_changes")
        models: Any = importlib.import_module("backpain_client.models")
        with client_module.AuthenticatedClient(base_url=base, token=make_key(database, "read")) as client:
            exported = export_content.sync(client=client)
            assert isinstance(exported, models.Export)
            kinds = {type(item).__name__ for item in exported.data}
            assert kinds == {"ConditionPublic", "CausePublic", "SymptomPublic", "TreatmentPublic", "SourcePublic"}
            assert isinstance(exported.ruleset, models.OfflineRuleset)
            assert exported.ruleset.version == 3
            page = list_changes.sync(client=client, limit=1000)
            assert isinstance(page, models.ChangesPage)
            rulesets = [entry for entry in page.data if isinstance(entry, models.RulesetUpsert)]
            assert [entry.item.version for entry in rulesets] == [3]
            condition = next(entry for entry in page.data if isinstance(entry, models.ConditionUpsert))
            assert isinstance(condition.item, models.ConditionPublic)
            assert len(condition.item.treatments) == 27
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("backpain_client")]:
            del sys.modules[name]
