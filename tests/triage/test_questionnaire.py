"""GET /v1/triage/questionnaire, as JSON and as a FHIR R4 Questionnaire."""

import httpx
import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from sqlmodel import Session

from app.content.service import bump_content_version
from app.core.db import make_engine
from app.triage.service import store_ruleset
from seed.loader import read_ruleset
from tests.conftest import EmptyDatabase, migrate_and_seed, serve, served_within_two_seconds
from tests.triage.answers import REQUIRED_IN_ORDER

pytestmark = pytest.mark.anyio
FHIR = {"accept": "application/fhir+json"}


async def test_steps_and_questions(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/triage/questionnaire")
    assert response.status_code == 200
    body = response.json()
    assert body["ruleset_version"] == 2
    assert body["intro"].startswith("This check is for adults aged 16 and over with back pain. It is not for labour.")
    assert [(s["step"], s["title"]) for s in body["steps"]] == [
        (1, "Emergency signs"),
        (2, "Signs that need a doctor soon"),
        (3, "About your pain"),
    ]
    ids = [q["id"] for step in body["steps"] for q in step["questions"]]
    assert ids == [*REQUIRED_IN_ORDER, "started_after_strain"]
    assert [len(s["questions"]) for s in body["steps"]] == [10, 13, 10]
    by_id = {q["id"]: q for step in body["steps"] for q in step["questions"]}
    assert by_id["age"] == {
        "id": "age",
        "step": 3,
        "type": "int",
        "required": True,
        "text": "How old are you?",
        "help": "In whole years.",
        "min": 0,
        "max": 120,
    }
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
    assert [(g["linkId"], g["type"]) for g in groups] == [("step-1", "group"), ("step-2", "group"), ("step-3", "group")]
    questions = {item["linkId"]: item for g in groups for item in g["item"]}
    assert list(questions) == [*REQUIRED_IN_ORDER, "started_after_strain"]
    assert questions["fever"]["type"] == "choice"
    assert [option["valueCoding"]["code"] for option in questions["fever"]["answerOption"]] == [
        "Y",
        "N",
        "asked-unknown",
    ]
    assert resource["version"] == "2"
    assert questions["fever"]["required"] is True
    assert questions["started_after_strain"]["required"] is False
    assert questions["age"]["type"] == "integer"
    assert questions["age"]["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 120},
    ]
    help_item = questions["age"]["item"][0]
    assert (help_item["type"], help_item["text"]) == ("display", "In whole years.")


async def test_a_new_ruleset_version_is_served_within_two_seconds(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    document = read_ruleset()
    newer = document.model_copy(update={"version": 3})
    async with serve(url) as client:
        assert (await client.get("/v1/triage/questionnaire")).json()["ruleset_version"] == 2
        engine = make_engine(url)
        with Session(engine) as session:
            assert store_ruleset(session=session, document=newer)
            bump_content_version(session=session)
            session.commit()
        engine.dispose()
        await served_within_two_seconds(client, "/v1/triage/questionnaire", lambda b: b["ruleset_version"] == 3)
        result = (await client.post("/v1/triage", json={"answers": {"chest_pain": True}})).json()
        assert result["ruleset_version"] == 3
