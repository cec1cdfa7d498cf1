"""The offline triage engine as served (an ES module with its version, cacheable), and how it fails
closed: a ruleset it cannot evaluate in full, or a copy that has expired or been superseded, is
refused (RulesetRefused), never evaluated with a rule that quietly does not fire. The Python engine
refuses the same rulesets."""

import copy
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from pydantic import ValidationError

from app import __version__
from app.triage.engine import RulesetRefused, compile_ruleset
from app.triage.regions import LocalServices
from app.triage.ruleset import RulesetDocument
from tests.helpers.offline_engine import ENGINE, VIGNETTES, Node, offline_triage

ORDINARY = VIGNETTES["defaults"]
Change = Callable[[dict[str, Any]], None]


@pytest.mark.anyio
async def test_the_engine_is_served_as_an_es_module(client: httpx.AsyncClient) -> None:
    response = await client.get("/triage-engine.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "export function assess(" in response.text
    assert "export function compile(" in response.text
    assert "export class RulesetRefused extends Error" in response.text
    assert "export const ENGINE_VERSION = 3;" in response.text
    assert f'export const APP_VERSION = "{__version__}";' in response.text
    assert "__APP_VERSION__" not in response.text
    assert (
        await client.get("/triage-engine.js", headers={"If-None-Match": response.headers["etag"]})
    ).status_code == 304


@pytest.fixture(scope="module")
def offline() -> dict[str, Any]:
    """The export's `ruleset` of a generic deployment."""
    ruleset: dict[str, Any] = orjson.loads(offline_triage(LocalServices()).offline)
    return ruleset


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    process = Node()
    yield process
    process.close()


def assess(node: Node, ruleset: dict[str, Any], answers: dict[str, Any], **options: Any) -> Any:
    return node.ask({"ruleset": ruleset, "answers": answers, "region": None, **options})


def changed(offline: dict[str, Any], change: Change) -> dict[str, Any]:
    ruleset = copy.deepcopy(offline)
    change(ruleset)
    return ruleset


def python_refuses(document: dict[str, Any]) -> bool:
    """Whether the Python side refuses the document: its shape, or its engine version."""
    try:
        compile_ruleset(RulesetDocument.model_validate(document))
    except (ValidationError, RulesetRefused):
        return True
    return False


def rule(ruleset: dict[str, Any], rule_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in ruleset["document"]["rules"] if r["id"] == rule_id)
    return found


def question(ruleset: dict[str, Any], question_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(q for q in ruleset["document"]["questions"] if q["id"] == question_id)
    return found


def test_the_unchanged_ruleset_is_evaluated_by_both(node: Node, offline: dict[str, Any]) -> None:
    assert not python_refuses(offline["document"])
    assert assess(node, offline, {**ORDINARY, "chest_pain": True})["level"] == "emergency"
    assert assess(node, offline, ORDINARY)["level"] == "self_care"


@pytest.mark.parametrize(
    "term",
    [
        {"question": "chest_pain", "gt": 0},
        {"question": "chest_pain", "is": True, "weird": 1},
        {"question": "chest_pain", "is": True, "lt": 1},
        {"question": "chest_pain"},
        {"question": "chest_pain", "is": False},
        {"question": "chest_pain", "is": "yes"},
        {"question": "chest_pain", "is": "true"},
        {"any": [{"question": "chest_pain", "is": True}]},
        {"any": [{"question": "chest_pain", "is": True}, {"question": "tearing_pain", "equals": True}]},
        {"all": [{"question": "chest_pain", "is": True}, {"question": "tearing_pain", "is": True}]},
    ],
    ids=repr,
)
def test_an_emergency_rule_it_cannot_read_is_refused_not_skipped(
    node: Node, offline: dict[str, Any], term: dict[str, Any]
) -> None:
    """An engine that skipped this term would tell a person with chest pain to look after it at home."""
    ruleset = changed(offline, lambda r: rule(r, "chest-pain").update(when=[term]))
    result = assess(node, ruleset, {**ORDINARY, "chest_pain": True})
    assert set(result) == {"refused"}, result
    assert result["refused"].startswith("ruleset refused: document.rules")
    assert python_refuses(ruleset["document"])


def test_a_ruleset_for_a_newer_engine_is_refused_by_both(node: Node, offline: dict[str, Any]) -> None:
    def newer(ruleset: dict[str, Any]) -> None:
        ruleset["engine_version"] = ruleset["document"]["engine_version"] = 4
        # What the newer engine can do and this one cannot: the refusal names the version, not this.
        rule(ruleset, "chest-pain")["when"] = [{"question": "chest_pain", "within_hours": 24}]

    ruleset = changed(offline, newer)
    assert assess(node, ruleset, ORDINARY) == {
        "refused": "ruleset refused: ruleset 3 needs engine version 4; this engine is version 3"
    }
    document = changed(offline, lambda r: r["document"].update(engine_version=4))["document"]
    with pytest.raises(RulesetRefused, match="needs engine version 4"):
        compile_ruleset(RulesetDocument.model_validate(document))


# Where an unknown field can be: each object of the export's ruleset, as a path from its top.
OBJECTS = [
    [],
    ["services"],
    ["services", "emergency"],
    ["services", "urgent"],
    ["maternity"],
    ["document"],
    ["document", "incomplete"],
    ["document", "regions", 0],
    ["document", "regions", 0, "emergency"],
    ["document", "regions", 0, "urgent"],
    ["document", "unknown_region"],
    ["document", "unknown_region", "urgent"],
    ["document", "maternity"],
    ["document", "maternity", "service"],
    ["document", "maternity", "when", 0],
    ["document", "levels", 0],
    ["document", "levels", 3],
    ["document", "exclusions", 0],
    ["document", "exclusions", 2, "when", 0],
    ["document", "exclusions", 2, "when", 0, "any", 1],
    ["document", "additions", 0],
    ["document", "additions", 1, "when", 0],
    ["document", "steps", 0],
    ["document", "steps", 0, "unsure"],
    ["document", "steps", 1, "unsure"],
    ["document", "steps", 1, "unsure", "sources", 0],
    ["document", "questions", 0],
    ["document", "questions", 2, "unsure"],
    ["document", "questions", 2, "unsure", "sources", 0],
    ["document", "questions", 12, "ask_if"],
    ["document", "rules", 0],
    ["document", "rules", 0, "when", 0],
    ["document", "rules", 0, "sources", 0],
    ["document", "rules", -1],
    ["document", "rules", -8, "when", 2, "any", 1],
]


@pytest.mark.parametrize("path", OBJECTS, ids=lambda path: ".".join(map(str, path)) or "ruleset")
def test_an_unknown_field_anywhere_is_refused(node: Node, offline: dict[str, Any], path: list[str | int]) -> None:
    def add(ruleset: dict[str, Any]) -> None:
        target: Any = ruleset
        for key in path:
            target = target[key]
        assert isinstance(target, dict)
        target["applies_from"] = "2030-01-01"

    ruleset = changed(offline, add)
    result = assess(node, ruleset, {**ORDINARY, "chest_pain": True})
    assert set(result) == {"refused"}, result
    assert 'unknown field "applies_from"' in result["refused"]
    if path[:1] == ["document"]:
        assert python_refuses(ruleset["document"])


def _set(*path: str | int, value: Any) -> Change:
    def change(ruleset: dict[str, Any]) -> None:
        target: Any = ruleset
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


# Rulesets whose every field is known, but which the engine still cannot evaluate as written.
UNRESOLVED: dict[str, Change] = {
    "rule on an unknown question": lambda r: rule(r, "sepsis").update(when=[{"question": "sepsis", "is": True}]),
    "rule at an unknown level": lambda r: rule(r, "sepsis").update(level="immediate"),
    "rule with no terms": lambda r: rule(r, "sepsis").update(when=[]),
    "`is` on a number question": lambda r: rule(r, "sepsis").update(when=[{"question": "age", "is": True}]),
    "`lt` on a yes/no question": lambda r: rule(r, "sepsis").update(when=[{"question": "very_unwell", "lt": 1}]),
    "a threshold that is not whole": lambda r: rule(r, "child-under-4").update(when=[{"question": "age", "lt": 3.5}]),
    "an unknown combined-unsure level": _set("document", "combined_unsure_level", value="soon"),
    "an unknown step reading level": _set("document", "steps", 1, "unsure", "level", value="soon"),
    "a question's unknown unsure level": lambda r: question(r, "chest_pain")["unsure"].update(level="soon"),
    "a question in an unknown step": lambda r: question(r, "fever").update(step=7),
    "ask_if on an unknown question": lambda r: question(r, "pregnancy_warning_signs").update(
        ask_if={"question": "expecting", "is": True}
    ),
    "an exclusion on an unknown question": _set("document", "exclusions", 0, "when", 0, "question", value="expecting"),
    "an addition at an unknown level": _set("document", "additions", 0, "levels", value=["emergency", "soon"]),
    "an addition unless an unknown rule": _set("document", "additions", 0, "unless", value=["labour"]),
    "advice_when an unknown question": _set("document", "levels", 3, "advice_when", value={"strained": "Rest."}),
    "a replaced id that names no question": _set("document", "replaced", "minor_trauma_bone_risk", value=["fall"]),
    "a replaced id given as an object": _set("document", "replaced", "minor_trauma_bone_risk", value={"by": "x"}),
    "an unknown placeholder": lambda r: rule(r, "sepsis").update(action="Call {ambulance} now."),
    "a step reading both as yes and a level": _set("document", "steps", 1, "unsure", "as_yes", value=True),
    "a lower-case region code": _set("document", "regions", 0, "code", value="gb"),
}
# Refused here, though the Python document model accepts them (its ranks would take the last one).
ONLY_OFFLINE: dict[str, Change] = {
    "a level given twice": lambda r: r["document"]["levels"].append(copy.deepcopy(r["document"]["levels"][0])),
    "a step given twice": lambda r: r["document"]["steps"].append(copy.deepcopy(r["document"]["steps"][0])),
}


@pytest.mark.parametrize("change", list(UNRESOLVED.values()), ids=list(UNRESOLVED))
def test_a_reference_it_cannot_resolve_is_refused_by_both(node: Node, offline: dict[str, Any], change: Change) -> None:
    ruleset = changed(offline, change)
    result = assess(node, ruleset, ORDINARY)
    assert set(result) == {"refused"}, result
    assert python_refuses(ruleset["document"])


@pytest.mark.parametrize("change", list(ONLY_OFFLINE.values()), ids=list(ONLY_OFFLINE))
def test_an_ambiguous_ruleset_is_refused(node: Node, offline: dict[str, Any], change: Change) -> None:
    assert set(assess(node, changed(offline, change), ORDINARY)) == {"refused"}


def test_an_expired_copy_is_refused(node: Node, offline: dict[str, Any]) -> None:
    valid_until = datetime.strptime(offline["valid_until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert valid_until - datetime.now(UTC) > timedelta(days=29)
    at = int(valid_until.timestamp() * 1000)
    assert assess(node, offline, ORDINARY, now=at)["level"] == "self_care"
    assert assess(node, offline, ORDINARY)["level"] == "self_care"  # now, by default
    for later in (at + 1000, at + 86_400_000 * 365):
        assert assess(node, offline, {**ORDINARY, "chest_pain": True}, now=later) == {
            "refused": f"ruleset refused: this copy expired at {offline['valid_until']}; fetch the ruleset again"
        }
    expired = changed(offline, _set("valid_until", value="2020-01-01T00:00:00Z"))
    assert set(assess(node, expired, ORDINARY)) == {"refused"}
    for unreadable in ("next month", "", None):
        assert set(assess(node, changed(offline, _set("valid_until", value=unreadable)), ORDINARY)) == {"refused"}


def test_a_copy_superseded_by_a_version_the_app_knows_is_refused(node: Node, offline: dict[str, Any]) -> None:
    assert assess(node, offline, ORDINARY, knownVersion=2)["level"] == "self_care"
    assert assess(node, offline, ORDINARY, knownVersion=3)["level"] == "self_care"
    assert assess(node, offline, {**ORDINARY, "chest_pain": True}, knownVersion=4) == {
        "refused": "ruleset refused: ruleset 3 is superseded by version 4; fetch it"
    }
    mismatched = changed(offline, _set("version", value=4))
    assert set(assess(node, mismatched, ORDINARY)) == {"refused"}


def test_compile_refuses_too() -> None:
    """`compile` checks what `assess` does: an app can test a synced ruleset before it needs it."""
    ruleset = orjson.loads(offline_triage(LocalServices()).offline)
    broken = copy.deepcopy(ruleset)
    rule(broken, "chest-pain")["when"] = [{"question": "chest_pain", "gt": 0}]
    script = (
        f"import {{ compile, RulesetRefused }} from {json.dumps(ENGINE.as_uri())};\n"
        "const [ruleset, broken] = JSON.parse(process.argv[1]);\n"
        "const outcome = (call) => { try { call(); return 'compiled'; }"
        " catch (error) { return error instanceof RulesetRefused ? error.message : `${error}`; } };\n"
        "console.log(JSON.stringify([\n"
        "  outcome(() => compile(ruleset)),\n"
        "  outcome(() => compile(ruleset, { now: new Date('2999-01-01') })),\n"
        "  outcome(() => compile(ruleset, { knownVersion: 9 })),\n"
        "  outcome(() => compile(broken)),\n"
        "]));\n"
    )
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps([ruleset, broken])],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == [
        "compiled",
        f"ruleset refused: this copy expired at {ruleset['valid_until']}; fetch the ruleset again",
        "ruleset refused: ruleset 3 is superseded by version 9; fetch it",
        'ruleset refused: document.rules[6].when[0]: unknown field "gt"',
    ]
