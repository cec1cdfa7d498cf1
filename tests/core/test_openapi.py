"""The OpenAPI document: every operation documents its responses, problems as problem+json."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from seed.loader import read_ruleset
from tests.helpers.apps import api_of

pytestmark = pytest.mark.anyio


EDGE = {"401", "403", "429"}
SPECTRAL_RULESET = Path(__file__).resolve().parents[2] / "tools" / "spectral" / ".spectral.yaml"
UNLIMITED = ("/healthz", "/readyz", "/metrics")
# Public operations take a key optionally ({}: none), which raises the caller's rate limit.
KEY_SCHEMES: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}]
WRITE = {"400", "401", "403", "404", "412", "413", "415", "422", "428", "429", "503"}
EXPECTED = {
    ("/healthz", "get"): {"200", "422"},
    ("/readyz", "get"): {"200", "422", "503"},
    ("/metrics", "get"): {"200", "422"},
    ("/v1/triage", "post"): {"200", "400", "413", "415", "422", "503"} | EDGE,
    ("/v1/search", "get"): {"200", "304", "422", "503"} | EDGE,
    ("/v1/triage/questionnaire", "get"): {"200", "304", "422", "503"} | EDGE,
    ("/v1/conditions", "get"): {"200", "304", "400", "422", "503"} | EDGE,
    ("/v1/conditions/{slug}", "get"): {"200", "304", "404", "422", "503"} | EDGE,
    ("/v1/export", "get"): {"200", "304", "422", "503"} | EDGE,
    ("/v1/changes", "get"): {"200", "304", "400", "410", "422", "503"} | EDGE,
    ("/v1/admin/keys", "post"): {"201", "400", "401", "403", "409", "413", "415", "422", "429", "503"},
    ("/v1/admin/keys/{key_id}", "delete"): {"204", "401", "403", "404", "422", "429", "503"},
    ("/v1/admin/audit", "get"): {"200", "400", "401", "403", "422", "429", "503"},
    ("/v1/admin/treatments", "post"): {"201", "400", "401", "403", "409", "413", "415", "422", "429", "503"},
    ("/v1/admin/treatments/{slug}", "patch"): {"200"} | WRITE,
    ("/v1/admin/treatments/{slug}", "delete"): {"204", "409"} | WRITE,
    ("/v1/admin/treatments/{slug}/publish", "post"): {"200", "409"} | WRITE,
    ("/v1/admin/sources/{slug}/unpublish", "post"): {"200", "409"} | WRITE,
}


async def test_every_operation_documents_its_problems(client: httpx.AsyncClient) -> None:
    schema: dict[str, Any] = (await client.get("/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    operations = {(path, method): op for path, item in schema["paths"].items() for method, op in item.items()}
    # 5 health, metrics and sync, 10 content and the item pages, 3 triage and search, 3 FHIR resources,
    # the Infobutton, 3 keys, the audit log, 7 per content type, the widget with its demo page, and the
    # offline triage engine, and 6 for webhooks.
    assert len(operations) == 5 + 10 + 1 + 3 + 3 + 1 + 3 + 1 + 7 * 5 + 2 + 1 + 6
    for (path, method), operation in operations.items():
        responses = operation["responses"]
        assert {"200", "201", "204"} & set(responses), path
        assert operation.get("summary"), path
        assert operation.get("description"), path
        for status, response in responses.items():
            if status[0] in "45":
                assert set(response["content"]) == {"application/problem+json"}, (path, status)
        if (path, method) in EXPECTED:
            assert set(responses) == EXPECTED[path, method] | {"500"}, (path, method)
        if path not in UNLIMITED:
            assert set(responses) >= EDGE, path
        assert "422" in responses, path  # a query parameter holding a control character, on any path


async def test_admin_operations_declare_the_key_schemes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer bpk_...`"}
    assert schemes["apiKey"]["in"] == "header"
    assert schemes["apiKey"]["name"] == "X-API-Key"
    for path, item in schema["paths"].items():
        for operation in item.values():
            expected: list[dict[str, list[str]]] | None = (
                KEY_SCHEMES if path.startswith("/v1/admin/") else [{}, *KEY_SCHEMES]
            )
            assert operation.get("security") == (None if path in UNLIMITED else expected), path


async def test_problem_schema_is_published(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


async def test_docs_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "/openapi.json" in response.text


async def test_triage_request_body_lists_every_question(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    body = schema["paths"]["/v1/triage"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    answers = body["properties"]["answers"]
    assert answers["additionalProperties"] is False
    assert len(answers["properties"]) == len(read_ruleset().questions) == 44
    assert answers["properties"]["age"]["minimum"] == 0
    assert answers["properties"]["age"]["maximum"] == 120
    assert answers["properties"]["fever"]["anyOf"] == [
        {"type": "boolean"},
        {"type": "string", "enum": ["unsure"]},
        {"type": "null"},
    ]
    assert body["properties"]["region"]["enum"] == ["AU", "CA", "GB", "IE", "NZ", "US", None]


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


async def test_every_request_and_response_body_has_an_example(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    missing = []
    for path, method, operation in _operations(schema):
        bodies = {"request": operation.get("requestBody", {}).get("content", {})}
        bodies.update({status: response.get("content", {}) for status, response in operation["responses"].items()})
        for status, content in bodies.items():
            missing += [(method, path, status, media) for media, entry in content.items() if "example" not in entry]
    assert missing == []
    condition = schema["paths"]["/v1/conditions/{slug}"]["get"]["responses"]["200"]["content"]
    assert condition["application/json"]["example"]["slug"] == "back-spasms"
    assert schema["paths"]["/v1/admin/keys/{key_id}"]["delete"]["responses"]["404"]["content"][
        "application/problem+json"
    ]["example"] == {
        "type": "urn:backpain:problem:not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "Nothing has that slug.",
    }


def _referenced(node: Any) -> set[str]:
    """Names of the component schemas a part of the document refers to, directly."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = {ref.rsplit("/", 1)[1]} if isinstance(ref, str) and ref.startswith("#/components/schemas/") else set()
        return found.union(*(_referenced(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_referenced(value) for value in node))
    return set()


async def test_schemas_spared_the_input_limits_are_never_input(client: httpx.AsyncClient) -> None:
    """The Spectral ruleset lifts the OWASP input limits on response-only schemas; none may be input."""
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    inputs: set[str] = set()
    for _, _, operation in _operations(schema):
        todo = _referenced([operation.get("requestBody", {}), operation.get("parameters", [])])
        while todo:
            name = todo.pop()
            if name not in inputs:
                inputs.add(name)
                todo |= _referenced(components[name])
    spared = set(re.findall(r"#/components/schemas/(\w+)", SPECTRAL_RULESET.read_text()))
    assert len(spared) == 66
    assert spared <= set(components)
    assert spared.isdisjoint(inputs), spared & inputs


async def test_if_match_is_required_on_every_write(client: httpx.AsyncClient) -> None:
    """Generated clients must send If-Match; a request without it still gets its documented 428."""
    schema = (await client.get("/openapi.json")).json()
    guarded = 0
    for path, method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter.get("name") == "If-Match":
                guarded += 1
                assert parameter["required"] is True, (path, method)
                assert "428" in operation["responses"], (path, method)
    assert guarded == 20  # update, publish, unpublish and delete of five content types


def test_the_triage_body_describes_the_served_ruleset_or_any_answer(tmp_path: Path) -> None:
    """OpenAPI describes the ruleset the database serves; before one is loaded, what any answer looks like."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    document = api_of(app).state.openapi_document()
    body = document["paths"]["/v1/triage"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    answers = body["properties"]["answers"]
    assert "properties" not in answers
    assert {"type": "string", "enum": ["unsure"]} in answers["additionalProperties"]["anyOf"]


OPERATION_IDS = Path(__file__).resolve().parents[1] / "openapi" / "operation-ids.json"


async def test_operation_ids_are_short_and_change_only_deliberately(client: httpx.AsyncClient) -> None:
    """Generated clients name their methods after operationIds: renaming one breaks every integrator.
    To change one on purpose, update tests/openapi/operation-ids.json in the same commit."""
    schema = (await client.get("/openapi.json")).json()
    found = {f"{method.upper()} {path}": operation["operationId"] for path, method, operation in _operations(schema)}
    assert found == json.loads(OPERATION_IDS.read_text())
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", name) and len(name) <= 24 for name in found.values())
    assert len(set(found.values())) == len(found)


async def test_cacheable_gets_declare_if_none_match_and_their_304(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    conditional = 0
    for path, method, operation in _operations(schema):
        declared = {p.get("$ref", "").rsplit("/", 1)[-1] for p in operation.get("parameters", [])}
        assert ("IfNoneMatch" in declared) == ("304" in operation["responses"]), (path, method)
        conditional += "IfNoneMatch" in declared
    assert conditional == 22
    assert schema["components"]["parameters"]["IfNoneMatch"]["in"] == "header"
    # The header really works where it is declared.
    first = await client.get("/v1/export")
    again = await client.get("/v1/export", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


async def test_json_operations_have_one_success_media_type(client: httpx.AsyncClient) -> None:
    """A default generated client types a body as the union of its media types: JSON operations document
    JSON alone (JSON-LD and FHIR forms are described in the operation, and FHIR has its own paths)."""
    schema = (await client.get("/openapi.json")).json()
    for path, method, operation in _operations(schema):
        content = operation["responses"].get("200", operation["responses"].get("201", {})).get("content", {})
        # The Infobutton's format is chosen by a parameter (knowledgeResponseType), not by Accept.
        if "application/json" in content and path != "/v1/infobutton":
            assert list(content) == ["application/json"], (path, method)
            assert content["application/json"]["schema"] != {"type": "object"}, (path, method)
    detail = schema["paths"]["/v1/conditions/{slug}"]["get"]
    assert "application/ld+json" in detail["description"]


async def test_sync_documents_are_typed_by_item_type(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    export = schema["paths"]["/v1/export"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert export == {"$ref": "#/components/schemas/Export"}
    items = components["Export"]["properties"]["data"]["items"]
    assert items["discriminator"]["propertyName"] == "type"
    assert set(items["discriminator"]["mapping"]) == {"condition", "cause", "symptom", "treatment", "source"}
    entries = components["ChangesPage"]["properties"]["data"]["items"]["anyOf"]
    upserts, tombstone = entries
    assert set(upserts["discriminator"]["mapping"]) == {
        "condition",
        "cause",
        "symptom",
        "treatment",
        "source",
        "ruleset",
    }
    assert tombstone == {"$ref": "#/components/schemas/Tombstone"}
    assert components["Tombstone"]["properties"]["item"]["type"] == "null"
