"""The offline engine (/triage-engine.js, run in Node) against the Python engine: identical results,
field for field, on every vignette and on generated answer sets ("unsure" anywhere, questions asked
only sometimes, every age band, partial and invalid answers, any region in any letter case), in a
generic deployment and in one that overrides its region's numbers and names a maternity number."""

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.db import make_engine
from app.core.errors import InvalidInput
from app.serving.snapshot import SnapshotStore
from app.triage.regions import LocalServices
from app.triage.schemas import OfflineRuleset
from app.triage.served import ServedTriage
from tests.helpers.databases import migrate_and_seed
from tests.helpers.offline_engine import RULESET, VIGNETTES, Node, offline_triage

# The deployment's own services: none (generic wording), and a region given in lower case with its
# numbers overridden and a maternity service of its own.
DEPLOYMENTS = {
    "generic": LocalServices(),
    "gb-overridden": LocalServices(
        region="gb",
        emergency_number="112",
        urgent_service_number="0300 123 4567",
        maternity_service_name="the Rosie maternity triage line",
        maternity_service_number="01223 217 217",
    ),
}
CASES_PER_DEPLOYMENT = 1000
BOOL_QUESTIONS = [q.id for q in RULESET.questions if q.type == "bool"]
INT_RANGES = {q.id: (q.min, q.max) for q in RULESET.questions if q.min is not None and q.max is not None}
ASKED_IF = [q.id for q in RULESET.questions if q.ask_if is not None]
# The numbers at which a rule changes, and either side of them.
AGES = [0, 1, 3, 4, 15, 16, 49, 50, 59, 60, 64, 65, 120]
NUMBERS = {"age": AGES, "pain_severity": [0, 6, 7, 8, 10], "duration_days": [0, 20, 21, 3650]}
REGIONS = [None, "GB", "gb", "Gb", "US", "us", "CA", "AU", "NZ", "nz", "IE", "ie"]


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The engines never touch the database after loading: one backend is enough."""
    url = f"sqlite:///{tmp_path_factory.mktemp('offline') / 'api.db'}"
    migrate_and_seed(url)
    return url


@pytest.fixture(scope="module", params=list(DEPLOYMENTS))
def engines(request: pytest.FixtureRequest, seeded_sqlite: str) -> Iterator[tuple[ServedTriage, Node]]:
    """The Python engine as a worker serves it, and the JS engine fed the export that worker serves:
    its `ruleset` and its treatment items."""
    engine = make_engine(seeded_sqlite)
    store = SnapshotStore(engine, cache_control=b"no-cache", local=DEPLOYMENTS[request.param])
    store.refresh()
    snapshot = store.current
    assert snapshot is not None
    assert snapshot.triage is not None
    export = orjson.loads(snapshot.export().identity.body)
    assert export["ruleset"]["version"] == RULESET.version
    node = Node(export["ruleset"], [item for item in export["data"] if item["type"] == "treatment"])
    yield snapshot.triage, node
    node.close()
    engine.dispose()


def python_answer(triage: ServedTriage, request: dict[str, Any]) -> Any:
    try:
        _, _, body = triage.answer(orjson.dumps(request))
    except InvalidInput as refused:
        return {"errors": refused.errors}
    return orjson.loads(body)


BOOL_ANSWER: st.SearchStrategy[Any] = st.sampled_from([True, False, "unsure", None, "absent"])


def rarely(one_in: int) -> st.SearchStrategy[bool]:
    """True once in about `one_in` draws (the rare choice last: Hypothesis favours the first)."""
    return st.sampled_from([False] * (one_in - 1) + [True])


@st.composite
def numbers(draw: st.DrawFn, question: str) -> int | None:
    low, high = INT_RANGES[question]
    if draw(rarely(20)):
        return draw(st.sampled_from([None, low - 1, high + 1]))
    return draw(st.one_of(st.sampled_from(NUMBERS[question]), st.integers(low, high)))


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """Answer sets of any completeness: mostly "no" with a few yes or unsure answers (so that every
    level is reached), or anything at all; now and then a wrong, unknown or replaced answer, or a
    region the ruleset does not know."""
    answers: dict[str, Any] = {}
    changed = draw(
        st.lists(st.sampled_from(BOOL_QUESTIONS), max_size=draw(st.sampled_from([0, 1, 1, 2, 2, 3, 5])), unique=True)
    )
    skipped = set(
        draw(st.lists(st.sampled_from(BOOL_QUESTIONS), max_size=draw(st.sampled_from([0, 0, 1, 3])), unique=True))
    )
    anything = draw(rarely(6))
    for question in draw(st.permutations(BOOL_QUESTIONS)):
        if question in ASKED_IF and draw(st.booleans()):
            continue  # a question asked only sometimes: answered or not, whatever its condition
        answer: Any
        if anything:
            answer = draw(BOOL_ANSWER)
        elif question in changed:
            answer = draw(st.sampled_from([True, "unsure"]))
        elif question in skipped:
            answer = draw(st.sampled_from([None, "absent"]))
        else:
            answer = False
        if answer != "absent":
            answers[question] = answer
    for question in INT_RANGES:
        if not anything or draw(st.integers(0, 3)):
            answers[question] = draw(numbers(question))
    if draw(rarely(20)):  # a refusal: both engines must name the same errors
        wrong: Any = draw(st.sampled_from(["yes", 1.5, [], {}, "unsure", True, False, None]))
        question = draw(st.sampled_from([*BOOL_QUESTIONS, *INT_RANGES, "no_such_question", *RULESET.replaced]))
        answers[question] = wrong
    unknown = draw(rarely(30))
    return {"answers": answers, "region": draw(st.sampled_from(["XX", "", "G B"] if unknown else REGIONS))}


@settings(
    max_examples=CASES_PER_DEPLOYMENT,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests())
def test_the_offline_engine_gives_the_api_result(engines: tuple[ServedTriage, Node], request: dict[str, Any]) -> None:
    triage, node = engines
    assert node.ask(request) == python_answer(triage, request)


@pytest.mark.parametrize("region", [None, "gb", "US", "IE"])
def test_every_vignette_gives_the_api_result(engines: tuple[ServedTriage, Node], region: str | None) -> None:
    triage, node = engines
    for vignette in VIGNETTES["vignettes"]:
        request = {"answers": {**VIGNETTES["defaults"], **vignette["answers"]}, "region": region}
        result = node.ask(request)
        assert result == python_answer(triage, request), vignette["case"]
        assert result["level"] is not None, vignette["case"]


def single_changes() -> Iterator[dict[str, Any]]:
    """The vignettes' ordinary adult with one answer changed (each question yes, unsure or left out;
    each number at the edges of its bands), at every age band, pregnant or not or unsure."""
    for age in AGES:
        for pregnant in (False, True, "unsure"):
            base = {**VIGNETTES["defaults"], "age": age, "pregnant": pregnant}
            yield base
            for question in BOOL_QUESTIONS:
                for answer in (True, "unsure", None):
                    yield {**base, question: answer}
            for question, values in NUMBERS.items():
                if question != "age":
                    for value in values:
                        yield {**base, question: value}


def test_each_answer_alone_gives_the_api_result(engines: tuple[ServedTriage, Node]) -> None:
    """Every question answered unsure (and yes, and not at all) on its own, in every age band, with
    and without the questions that pregnancy and childhood bring: the same result, and every outcome
    the rules have is reached."""
    triage, node = engines
    seen: set[str] = set()
    for answers in single_changes():
        request = {"answers": answers, "region": None}
        result = node.ask(request)
        assert result == python_answer(triage, request), answers
        seen.add(str(result["level"]))
        if result["minimum_level"] is not None:
            seen.add(f"at least {result['minimum_level']['level']}")
        if "maternity" in result["services"]:
            seen.add("maternity")
        seen.update(f"asks {q['id']}" for q in result["next_questions"] if q["ask_if"] is not None)
    assert seen >= {
        "emergency",
        "urgent",
        "routine",
        "self_care",
        "None",
        "at least urgent",
        "at least routine",
        "maternity",
        "asks pregnant_labour_signs",
        "asks pregnancy_warning_signs",
        "asks child_walking_problem",
    }


def test_the_export_names_the_deployments_maternity_service() -> None:
    """The maternity service the deployment sets is in the offline ruleset, so offline results name it."""
    for name, local in DEPLOYMENTS.items():
        offline = OfflineRuleset.model_validate(orjson.loads(offline_triage(local).offline))
        assert offline.maternity is not None
        expected = (local.maternity_service_name or "your maternity unit or midwife", local.maternity_service_number)
        assert (offline.maternity.name, offline.maternity.number) == expected, name
        assert offline.region == (local.region.upper() if local.region else None)


@pytest.mark.parametrize(
    "request_body",
    [
        {"answers": {**VIGNETTES["defaults"], "minor_trauma_bone_risk": True}, "region": None},
        {"answers": {"pulsing_tummy_or_known_aneurysm": None, "no_such_question": False}, "region": "ie"},
        {"answers": {**VIGNETTES["defaults"], "age": 121, "fever": "yes"}, "region": "gB"},
        {"answers": {**VIGNETTES["defaults"], "pregnant": "unsure"}, "region": "nz"},
        {"answers": {**VIGNETTES["defaults"]}, "region": "XX"},
    ],
)
def test_refusals_and_regions_in_any_case_match(
    engines: tuple[ServedTriage, Node], request_body: dict[str, Any]
) -> None:
    """A replaced version-2 id is refused naming its replacements, and a region in any case is read."""
    triage, node = engines
    expected = python_answer(triage, request_body)
    assert node.ask(request_body) == expected
    if "minor_trauma_bone_risk" in request_body["answers"]:
        assert expected["errors"] == [
            {
                "loc": ["body", "answers", "minor_trauma_bone_risk"],
                "msg": "replaced in ruleset 3 by recent_fall_or_injury and bone_weakness_risk",
            }
        ]
