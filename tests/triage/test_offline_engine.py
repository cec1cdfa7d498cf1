"""The offline engine (/triage-engine.js, run in Node) against the Python engine: identical results,
field for field, for generated answer sets, including "unsure", partial and invalid ones."""

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.db import make_engine
from app.core.errors import InvalidInput
from app.serving.snapshot import SnapshotStore
from app.triage.regions import LocalServices
from app.triage.service import Triage
from tests.conftest import migrate_and_seed
from tests.triage.answers import BOOL_QUESTIONS, INT_RANGES

ENGINE = Path(__file__).resolve().parents[2] / "app" / "triage" / "engine.js"
DRIVER = Path(__file__).with_name("engine_driver.mjs")
# The deployment's own services: none (generic wording), and a region with its numbers overridden.
DEPLOYMENTS = {
    "generic": LocalServices(),
    "gb-overridden": LocalServices(region="GB", emergency_number="112", urgent_service_number="0300 123 4567"),
}
CASES_PER_DEPLOYMENT = 1200


class Node:
    """One Node process running the offline engine over a JSON-lines pipe."""

    def __init__(self, export: dict[str, Any]) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.fail("Node.js is needed to test the offline engine")
        self.process = subprocess.Popen(
            [node, str(DRIVER), str(ENGINE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        treatments = [item for item in export["data"] if item["type"] == "treatment"]
        assert self.ask({"ruleset": export["ruleset"], "treatments": treatments}) == {}

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


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The engines never touch the database after loading: one backend is enough."""
    url = f"sqlite:///{tmp_path_factory.mktemp('offline') / 'api.db'}"
    migrate_and_seed(url)
    return url


@pytest.fixture(scope="module", params=list(DEPLOYMENTS))
def engines(request: pytest.FixtureRequest, seeded_sqlite: str) -> Iterator[tuple[Triage, Node]]:
    """The Python engine as a worker serves it, and the JS engine fed the export that worker serves."""
    engine = make_engine(seeded_sqlite)
    store = SnapshotStore(engine, cache_control=b"no-cache", local=DEPLOYMENTS[request.param])
    store.refresh()
    snapshot = store.current
    assert snapshot is not None
    assert snapshot.triage is not None
    node = Node(orjson.loads(snapshot.export().identity.body))
    yield snapshot.triage, node
    node.close()
    engine.dispose()


ANSWER = st.sampled_from([True, False, "unsure", None])


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """Answer sets of any completeness, now and then with a wrong answer, and any region or none."""
    answers: dict[str, Any] = {}
    for question in draw(st.permutations(BOOL_QUESTIONS)):
        if (answer := draw(st.sampled_from([True, False, "unsure", None, "absent"]))) != "absent":
            answers[question] = answer
    for question, (low, high) in INT_RANGES.items():
        number = draw(st.one_of(st.none(), st.integers(low, high), st.integers(low - 5, high + 5)))
        if number is not None:
            answers[question] = number
    if draw(st.integers(0, 9)) == 0:  # a refusal: both engines must name the same errors
        wrong = draw(st.sampled_from(["yes", 1.5, [], {}, "unsure"]))
        answers[draw(st.sampled_from([*BOOL_QUESTIONS, "age", "no_such_question"]))] = wrong
    return {"answers": answers, "region": draw(st.sampled_from([None, "GB", "US", "IE", "AU"]))}


def python_answer(triage: Triage, request: dict[str, Any]) -> Any:
    try:
        _, _, body = triage.answer(orjson.dumps(request))
    except InvalidInput as refused:
        return {"errors": refused.errors}
    return orjson.loads(body)


@settings(
    max_examples=CASES_PER_DEPLOYMENT,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_the_offline_engine_gives_the_api_result(engines: tuple[Triage, Node], request: dict[str, Any]) -> None:
    triage, node = engines
    regions = {code for code in triage.voices if code is not None}
    if request["region"] is not None and request["region"] not in regions:
        request["region"] = None
    assert node.ask(request) == python_answer(triage, request)


def test_it_covers_every_level_and_incomplete_sets(engines: tuple[Triage, Node]) -> None:
    """The generated cases are only worth something if they reach every outcome; this fixes a sample."""
    triage, node = engines
    negative = dict.fromkeys(BOOL_QUESTIONS, False) | {"age": 30, "pain_severity": 3, "duration_days": 2}
    seen = set()
    for changed in ({}, {"fever": True}, {"fever": "unsure"}, {"saddle_numbness": True}, {"pain_severity": 9}):
        for answers in ({**negative, **changed}, changed):
            request = {"answers": answers, "region": None}
            result = node.ask(request)
            assert result == python_answer(triage, request)
            seen.add(result["level"])
    assert seen == {"emergency", "urgent", "routine", "self_care", None}
