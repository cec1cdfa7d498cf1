"""The suite's layout: test modules stand alone, sharing code through tests/helpers/, and mirror app/."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# Folders for what app/ has no package of: the deployment's files, and clients generated from the API.
OUTSIDE_APP = {"deploy", "clients"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported(path: Path) -> Iterator[str]:
    """Every module of tests/ that the file imports, at the top or inside a function."""
    package = module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        # `from tests.helpers import apps` names a module too: keep the longest name that is a file.
        for name in names:
            if name.split(".")[0] == "tests" and (ROOT / Path(*name.split("."))).with_suffix(".py").exists():
                yield name


def test_shared_code_comes_from_tests_helpers() -> None:
    """Test modules stand alone: what they share lives in tests/helpers/, which bench/ uses too."""
    wrong = {
        module_name(path): names
        for path in sorted([*TESTS.rglob("*.py"), *(ROOT / "bench").glob("*.py")])
        if (names := [name for name in imported(path) if not name.startswith("tests.helpers.")])
    }
    assert wrong == {}, "import shared code from tests/helpers/, never from a conftest or a test module"


def test_helpers_hold_no_tests_or_fixtures() -> None:
    for path in (TESTS / "helpers").glob("*.py"):
        tree = ast.parse(path.read_text())
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
        assert not [f.name for f in functions if f.name.startswith("test")], path
        assert not [f.name for f in functions if any("fixture" in ast.unparse(d) for d in f.decorator_list)], path


def test_test_folders_mirror_app() -> None:
    """tests/platform/access/ tests app/platform/access/, and so on; each folder is a package."""
    folders = {path.parent.relative_to(TESTS) for path in TESTS.rglob("test_*.py")} - {Path()}
    strays = [
        str(folder) for folder in folders if folder.parts[0] not in OUTSIDE_APP and not (ROOT / "app" / folder).is_dir()
    ]
    assert strays == []
    assert [str(folder) for folder in folders if not (TESTS / folder / "__init__.py").exists()] == []
