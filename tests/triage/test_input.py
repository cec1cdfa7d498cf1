"""Strict input: every bad answer or body is a 4xx problem naming what is wrong, never a 5xx."""

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def problem(client: httpx.AsyncClient, content: bytes, status: int, **headers: str) -> dict[str, Any]:
    response = await client.post("/v1/triage", content=content, headers={"content-type": "application/json", **headers})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("value", ["1", '"yes"', '"true"', '"Unsure"', '"not sure"', "0", "[]", "{}", "1.0"])
async def test_bool_is_only_true_false_or_unsure(client: httpx.AsyncClient, value: str) -> None:
    body = await problem(client, f'{{"answers": {{"fever": {value}}}}}'.encode(), 422)
    assert body["errors"] == [{"loc": ["body", "answers", "fever"], "msg": 'must be true, false or "unsure"'}]


async def test_unsure_is_not_a_number(client: httpx.AsyncClient) -> None:
    body = await problem(client, b'{"answers": {"age": "unsure"}}', 422)
    assert body["errors"] == [{"loc": ["body", "answers", "age"], "msg": "must be a whole number"}]


@pytest.mark.parametrize(
    "content",
    [
        b'{"answers": {"bladder_or_bowel_change": true, "bladder_or_bowel_change": false}}',
        b'{"answers": {"bladder_or_bowel_change": false, "bladder_or_bowel_change": true}}',
        b'{"answers": {"bladder_or_bowel_change": true, "bladder_or_bowel_change": true}}',
        rb'{"answers": {"bladder_or_bowel_change": true, "bl\u0061dder_or_bowel_change": false}}',
    ],
)
async def test_a_question_answered_twice_is_a_422_naming_it(client: httpx.AsyncClient, content: bytes) -> None:
    body = await problem(client, content, 422)
    assert body["errors"] == [{"loc": ["body", "answers", "bladder_or_bowel_change"], "msg": "answered more than once"}]


async def test_answers_given_twice_is_a_422(client: httpx.AsyncClient) -> None:
    body = await problem(client, b'{"answers": {"chest_pain": true}, "answers": {}}', 422)
    assert body["errors"] == [{"loc": ["body", "answers"], "msg": "given more than once"}]


@pytest.mark.parametrize("region", ['"FR"', '"gbr"', '""', "1", "true", '["GB"]'])
async def test_an_unknown_region_is_a_422_listing_the_known_ones(client: httpx.AsyncClient, region: str) -> None:
    body = await problem(client, f'{{"answers": {{}}, "region": {region}}}'.encode(), 422)
    assert body["errors"] == [
        {"loc": ["body", "region"], "msg": "unknown region; known regions: AU, CA, GB, IE, NZ, US"}
    ]


@pytest.mark.parametrize("value", ["true", "false", "30.5", '"40"', "0.1", "[40]", "{}"])
async def test_int_is_only_a_json_integer(client: httpx.AsyncClient, value: str) -> None:
    body = await problem(client, f'{{"answers": {{"age": {value}}}}}'.encode(), 422)
    assert body["errors"] == [{"loc": ["body", "answers", "age"], "msg": "must be a whole number"}]


@pytest.mark.parametrize("value", ["1e30", "1000000000000000000000000000000", "-1e30"])
async def test_huge_integers_are_out_of_range(client: httpx.AsyncClient, value: str) -> None:
    body = await problem(client, f'{{"answers": {{"age": {value}}}}}'.encode(), 422)
    assert body["errors"] == [{"loc": ["body", "answers", "age"], "msg": "must be from 0 to 120"}]


async def test_a_number_with_no_fraction_is_an_integer(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/triage", json={"answers": {"age": 3.0}})
    assert response.status_code == 200
    assert response.json()["reasons"][0] == {
        "question_id": "age",
        "answer": 3,
        "parts": [{"question_id": "age", "answer": 3}],
        "level": "urgent",
        "explanation": "Back pain is rare in a young child. A child under 4 with back pain should see a doctor today.",
        "action": None,
        "sources": [
            {"source": "nice-cks-childhood-limp", "locator": "Red flags"},
            {"source": "nice-ng59", "locator": "Who is it for (people aged 16 and over)"},
        ],
    }


@pytest.mark.parametrize("region", ["gb", "Gb", "GB"])
async def test_a_region_in_any_letter_case_is_known(client: httpx.AsyncClient, region: str) -> None:
    response = await client.post("/v1/triage", json={"answers": {"chest_pain": True}, "region": region})
    assert response.status_code == 200
    assert (response.json()["region"], response.json()["services"]["emergency"]["number"]) == ("GB", "999")


@pytest.mark.parametrize(
    ("question", "value", "msg"),
    [
        ("age", -1, "must be from 0 to 120"),
        ("age", 121, "must be from 0 to 120"),
        ("pain_severity", 11, "must be from 0 to 10"),
        ("duration_days", 3651, "must be from 0 to 3650"),
        ("duration_days", -5, "must be from 0 to 3650"),
    ],
)
async def test_int_out_of_range(client: httpx.AsyncClient, question: str, value: int, msg: str) -> None:
    body = await problem(client, f'{{"answers": {{"{question}": {value}}}}}'.encode(), 422)
    assert body["errors"] == [{"loc": ["body", "answers", question], "msg": msg}]


async def test_unknown_question_id(client: httpx.AsyncClient) -> None:
    body = await problem(client, b'{"answers": {"fever": false, "headache": true}}', 422)
    assert body["errors"] == [{"loc": ["body", "answers", "headache"], "msg": "unknown question id"}]


async def test_every_bad_answer_is_named(client: httpx.AsyncClient) -> None:
    body = await problem(client, b'{"answers": {"fever": 1, "age": "x", "nope": true, "chest_pain": false}}', 422)
    assert [e["loc"][-1] for e in body["errors"]] == ["fever", "age", "nope"]


@pytest.mark.parametrize("answers", ["[]", '"fever"', "1", "true"])
async def test_answers_must_be_an_object(client: httpx.AsyncClient, answers: str) -> None:
    body = await problem(client, f'{{"answers": {answers}}}'.encode(), 422)
    assert body["errors"] == [{"loc": ["body", "answers"], "msg": "must be an object"}]


async def test_answers_null_is_an_error_too(client: httpx.AsyncClient) -> None:
    await problem(client, b'{"answers": null}', 422)


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        (b"{}", [{"loc": ["body", "answers"], "msg": "field required"}]),
        (b'{"answers": {}, "user": 1}', [{"loc": ["body", "user"], "msg": "unknown field"}]),
        (b"[]", [{"loc": ["body"], "msg": "must be an object"}]),
        (b'"answers"', [{"loc": ["body"], "msg": "must be an object"}]),
    ],
)
async def test_body_shape(client: httpx.AsyncClient, content: bytes, errors: list[dict[str, Any]]) -> None:
    assert (await problem(client, content, 422))["errors"] == errors


@pytest.mark.parametrize(
    "content",
    [b"{", b"", b'{"answers": {"age": NaN}}', b'{"answers": 1e999}', b"\x00", b'{"answers": {}}\x00', b"\xff\xfe"],
)
async def test_malformed_json_is_400(client: httpx.AsyncClient, content: bytes) -> None:
    body = await problem(client, content, 400)
    assert body["detail"] == "The request body is not valid JSON."


async def test_nul_inside_a_key_is_an_unknown_question(client: httpx.AsyncClient) -> None:
    body = await problem(client, b'{"answers": {"fe\\u0000ver": true}}', 422)
    assert body["errors"][0]["msg"] == "unknown question id"


async def test_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    padding = b" " * (64 * 1024)
    body = await problem(client, b'{"answers": {}}' + padding, 413)
    assert body["detail"] == "The request body is over 64 KiB."


async def test_body_of_exactly_64_kib_is_read(client: httpx.AsyncClient) -> None:
    content = b'{"answers": {}}'
    response = await client.post(
        "/v1/triage",
        content=content + b" " * (64 * 1024 - len(content)),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200


async def test_chunked_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(70):
            yield b" " * 1024

    response = await client.post("/v1/triage", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_not_json_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    body = await problem(client, b'{"answers": {}}', 415, **{"content-type": content_type})
    assert body["type"] == "urn:backpain:problem:unsupported-media-type"


async def test_json_with_charset_is_fine(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/triage", content=b'{"answers": {}}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_other_methods_are_405(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/v1/triage")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_errors_never_echo_answers(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/triage", json={"answers": {"age": 987654, "fever": "sekret-value"}})
    assert response.status_code == 422
    assert "987654" not in response.text
    assert "sekret-value" not in response.text
