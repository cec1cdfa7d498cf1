"""A triage body read the fast way (orjson, used when no key can have been given twice) has exactly the
outcome of the strict decoder: the same answers and region, or the same refusal naming the same errors."""

import json
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import AppError, BadRequest
from app.triage import service
from app.triage.service import build_triage, parse_body
from seed.loader import read_ruleset
from tests.triage.answers import BOOL_QUESTIONS, INT_RANGES

TRIAGE = build_triage(read_ruleset(), {}, cache_control=b"no-store")


def _strictly(body: bytes) -> Any:
    try:
        return service._DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


def outcome(body: bytes, *, strict: bool = False) -> tuple[Any, ...]:
    with mock.patch.object(service, "_read", _strictly if strict else service._read):
        try:
            answers, region = parse_body(TRIAGE, body)
        except AppError as error:
            return (type(error).__name__, error.status, error.detail, error.errors)
    return ("answered", [(q, type(a).__name__, a) for q, a in answers.items()], region)


def text(value: str, escape: bool) -> str:
    """A JSON string, now and then with every character escaped (the same string to a decoder)."""
    return '"' + "".join(f"\\u{ord(c):04x}" for c in value) + '"' if escape else json.dumps(value)


SCALARS = st.one_of(
    st.sampled_from(["true", "false", "null", '"unsure"', "40.0", "1e400", "-0", "1.5", "NaN", "[]", "{}"]),
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=6).map(json.dumps),  # colons and escapes inside strings
    st.sampled_from(['{"a": 1, "a": 2}', '{"x:y": true}', '[{"b": 1}]']),
)
KEYS = st.sampled_from([*BOOL_QUESTIONS, *INT_RANGES, "answers", "region", "unknown", "a:b"])


def members(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A JSON object's text; keys may repeat, be escaped, or hold a colon."""
    member = st.tuples(KEYS, st.booleans(), values).map(lambda m: f"{text(m[0], m[1])}: {m[2]}")
    return st.lists(member, max_size=8).map(lambda ms: "{" + ", ".join(ms) + "}")


ANSWERS = members(SCALARS)
TOP = st.lists(
    st.one_of(
        st.tuples(st.just("answers"), st.booleans(), st.one_of(ANSWERS, SCALARS)),
        st.tuples(st.just("region"), st.booleans(), st.sampled_from(['"GB"', '"US"', '"XX"', "null", '"G:B"', "1"])),
        st.tuples(KEYS, st.booleans(), SCALARS),
    ),
    max_size=4,
).map(lambda ms: "{" + ", ".join(f"{text(k, e)}: {v}" for k, e, v in ms) + "}")


@given(TOP)
def test_the_fast_reading_has_the_strict_outcome(body: str) -> None:
    raw = body.encode()
    assert outcome(raw) == outcome(raw, strict=True)


@pytest.mark.parametrize(
    "body",
    [
        b'{"answers": {"fever": true, "fever": false}}',
        rb'{"answers": {"fever": true, "f\u0065ver": false}}',
        b'{"answers": {"age": 99999999999999999999}}',
        b'{"answers": {"age": 40.0, "fever": "unsure"}, "region": "GB"}',
        b'{"answers": {}, "answers": {"fever": true}}',
        b'{"answers": {"fever": true}, "region": "G:B"}',
    ],
)
def test_known_differences_of_orjson_are_read_strictly(body: bytes) -> None:
    assert outcome(body) == outcome(body, strict=True)
    assert outcome(body)[0] in ("answered", "InvalidInput")
