"""Every error is a problem+json, and bad input is a 4xx, never a 500."""

import httpx
import pytest

from tests.helpers.apps import api_of, serve

pytestmark = pytest.mark.anyio

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    text = response.text
    assert "Traceback" not in text
    assert "app." not in text
    assert "sqlalchemy" not in text.lower()
    return body


async def test_unknown_route(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v2/conditions"), 404)
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is nothing at this path.",
    }


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/v1/conditions/back-spasms")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"  # HEAD works wherever GET does


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/v1/conditions/Back-Spasms", ["path", "slug"]),
        ("/v1/conditions/back--spasms", ["path", "slug"]),
        ("/v1/conditions/back%00spasms", ["path", "slug"]),
        (f"/v1/treatments/{'a' * 101}", ["path", "slug"]),
        ("/v1/causes?condition=%00", ["query", "condition"]),
        (f"/v1/causes?condition={'a' * 101}", ["query", "condition"]),
        ("/v1/treatments?category=surgery", ["query", "category"]),
        ("/v1/symptoms?red_flag=%00", ["query", "red_flag"]),
        ("/v1/treatments?limit=%00", ["query", "limit"]),
        ("/v1/treatments?cursor=%00", ["query", "cursor"]),
    ],
)
async def test_bad_input_is_a_422_naming_the_parameter(client: httpx.AsyncClient, url: str, loc: list[str]) -> None:
    body = assert_problem(await client.get(url), 422)
    assert body["type"] == "urn:backpain:problem:validation-error"
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["loc"] == loc
    assert set(errors[0]) == {"loc", "msg"}


async def test_rejected_values_are_not_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/treatments?category=my-secret-value")
    assert "my-secret-value" not in response.text


async def test_unexpected_errors_are_a_500_problem_without_internals(seeded_url: str) -> None:
    async with serve(seeded_url) as client:
        transport = client._transport
        assert isinstance(transport, httpx.ASGITransport)
        api = api_of(transport.app)

        @api.get("/boom")
        def boom() -> None:
            raise RuntimeError("secret internal detail")

        transport.raise_app_exceptions = False
        response = await client.get("/boom")
    body = assert_problem(response, 500)
    assert body["detail"] == "Something went wrong on our side."
    assert "secret" not in response.text
