"""The OpenAPI document: every operation documents its responses, problems as problem+json."""

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_every_operation_documents_its_problems(client: httpx.AsyncClient) -> None:
    schema: dict[str, Any] = (await client.get("/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")
    operations = [(path, op) for path, item in schema["paths"].items() for op in item.values()]
    assert len(operations) == 15
    for path, operation in operations:
        responses = operation["responses"]
        assert "200" in responses, path
        assert operation.get("summary"), path
        assert operation.get("description"), path
        for status, response in responses.items():
            if status[0] in "45":
                assert set(response["content"]) == {"application/problem+json"}, (path, status)
        if path == "/v1/triage":
            assert set(responses) == {"200", "400", "413", "415", "422", "503"}
        elif path == "/v1/search":
            assert set(responses) == {"200", "304", "422", "503"}
        elif path == "/v1/triage/questionnaire":
            assert set(responses) == {"200", "304", "503"}
        elif path.startswith("/v1/"):
            expected = {"200", "304", "422", "503"} | ({"404"} if "{slug}" in path else {"400"})
            assert set(responses) == expected, path


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
    assert len(answers["properties"]) == 26
    assert answers["properties"]["age"]["minimum"] == 0
    assert answers["properties"]["age"]["maximum"] == 120
    assert answers["properties"]["fever"]["type"] == ["boolean", "null"]
