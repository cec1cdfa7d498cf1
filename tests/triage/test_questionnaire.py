"""GET /v1/triage/questionnaire, as JSON and as a FHIR R4 Questionnaire."""

import httpx
import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from sqlmodel import Session

from app.content.service import bump_content_version
from app.core.db import make_engine
from app.triage.storage import store_ruleset
from seed.loader import read_ruleset
from tests.helpers.answers import CHILD_ONLY, PREGNANCY_ONLY, REQUIRED_IN_ORDER
from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.databases import EmptyDatabase, migrate_and_seed

pytestmark = pytest.mark.anyio
FHIR = {"accept": "application/fhir+json"}


async def test_steps_and_questions(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/triage/questionnaire")
    assert response.status_code == 200
    body = response.json()
    assert body["ruleset_version"] == 3
    assert body["intro"].startswith("These questions help you decide how soon to get care for back pain")
    assert [(s["step"], s["title"]) for s in body["steps"]] == [
        (0, "About you"),
        (1, "Emergency signs"),
        (2, "Signs that need a doctor soon"),
        (3, "About your pain"),
    ]
    ids = [q["id"] for step in body["steps"] for q in step["questions"]]
    asked_sometimes = [*PREGNANCY_ONLY, *CHILD_ONLY]
    assert [q for q in ids if q not in asked_sometimes] == [*REQUIRED_IN_ORDER, "started_after_strain"]
    assert [len(s["questions"]) for s in body["steps"]] == [2, 11, 19, 12]
    by_id = {q["id"]: q for step in body["steps"] for q in step["questions"]}
    assert by_id["age"] == {
        "id": "age",
        "step": 0,
        "type": "int",
        "required": True,
        "text": "How old are you?",
        "help": "In whole years. For a baby under 1, put 0.",
        "min": 0,
        "max": 120,
        "ask_if": None,
    }
    assert by_id["pregnant_labour_signs"]["ask_if"] == {"question": "pregnant", "is": True}
    assert by_id["pregnancy_warning_signs"]["ask_if"] == {"question": "pregnant", "is": True}
    assert by_id["child_walking_problem"]["ask_if"] == {"question": "age", "lt": 16}
    assert "unsure" not in by_id["chest_pain"]  # how "unsure" is read is the ruleset's, not the form's
    assert (by_id["pain_severity"]["min"], by_id["pain_severity"]["max"]) == (0, 10)
    assert (by_id["duration_days"]["min"], by_id["duration_days"]["max"]) == (0, 3650)
    assert by_id["started_after_strain"]["required"] is False
    assert "min" not in by_id["fever"]
    assert by_id["fever"]["answers"] == [True, False, "unsure"]
    assert "answers" not in by_id["age"]
    assert all(q["text"] and q["help"] for q in by_id.values())


async def test_cached_with_an_etag_that_varies_by_accept(client: httpx.AsyncClient) -> None:
    plain = await client.get("/v1/triage/questionnaire")
    fhir = await client.get("/v1/triage/questionnaire", headers=FHIR)
    assert plain.headers["vary"] == fhir.headers["vary"] == "Accept, Accept-Encoding"
    assert plain.headers["etag"] != fhir.headers["etag"]
    again = await client.get("/v1/triage/questionnaire", headers={**FHIR, "if-none-match": fhir.headers["etag"]})
    assert again.status_code == 304


async def test_fhir_r4_questionnaire(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/triage/questionnaire", headers=FHIR)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    resource = response.json()
    parsed = FhirQuestionnaire.model_validate(resource)  # the R4(B) structure, strictly
    assert parsed.status == "active"
    assert resource["resourceType"] == "Questionnaire"
    groups = resource["item"]
    assert [(g["linkId"], g["type"]) for g in groups] == [(f"step-{n}", "group") for n in range(4)]
    questions = {item["linkId"]: item for g in groups for item in g["item"]}
    asked_sometimes = [*PREGNANCY_ONLY, *CHILD_ONLY]
    assert [q for q in questions if q not in asked_sometimes] == [*REQUIRED_IN_ORDER, "started_after_strain"]
    # ask_if as enableWhen: a yes or the unsure answer to `pregnant` enables the pregnancy questions.
    assert questions["pregnant_labour_signs"]["enableBehavior"] == "any"
    assert [w["answerCoding"]["code"] for w in questions["pregnant_labour_signs"]["enableWhen"]] == [
        "Y",
        "asked-unknown",
    ]
    assert questions["child_walking_problem"]["enableWhen"] == [
        {"question": "age", "operator": "<", "answerInteger": 16}
    ]
    assert "enableWhen" not in questions["fever"]
    assert questions["fever"]["type"] == "choice"
    assert [option["valueCoding"]["code"] for option in questions["fever"]["answerOption"]] == [
        "Y",
        "N",
        "asked-unknown",
    ]
    assert resource["version"] == "3"
    assert questions["fever"]["required"] is True
    assert questions["started_after_strain"]["required"] is False
    assert questions["age"]["type"] == "integer"
    assert questions["age"]["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 120},
    ]
    help_item = questions["age"]["item"][0]
    assert (help_item["type"], help_item["text"]) == ("display", "In whole years. For a baby under 1, put 0.")


async def test_a_new_ruleset_version_is_served_within_two_seconds(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    document = read_ruleset()
    newer = document.model_copy(update={"version": 4})
    async with serve(url) as client:
        assert (await client.get("/v1/triage/questionnaire")).json()["ruleset_version"] == 3
        engine = make_engine(url)
        with Session(engine) as session:
            assert store_ruleset(session=session, document=newer)
            bump_content_version(session=session)
            session.commit()
        engine.dispose()
        await served_within_two_seconds(client, "/v1/triage/questionnaire", lambda b: b["ruleset_version"] == 4)
        result = (await client.post("/v1/triage", json={"answers": {"chest_pain": True}})).json()
        assert result["ruleset_version"] == 4
