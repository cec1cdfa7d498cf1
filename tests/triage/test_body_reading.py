"""A triage body read the quick way (msgspec, used only when nothing is wrong with it) has exactly the
outcome of the strict reading: the same answers and region, or the same refusal naming the same errors."""

import contextlib
import json
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import AppError
from app.triage import bodies
from app.triage.bodies import parse_body
from app.triage.served import build_triage
from seed.loader import read_ruleset
from tests.helpers.answers import BOOL_QUESTIONS, INT_RANGES

TRIAGE = build_triage(read_ruleset(), {}, cache_control=b"no-store")


def outcome(body: bytes, *, strict: bool = False) -> tuple[Any, ...]:
    with mock.patch.object(bodies, "_quick", return_value=None) if strict else contextlib.nullcontext():
        try:
            answers, region = parse_body(TRIAGE, body)
        except AppError as error:
            return (type(error).__name__, error.status, error.detail, error.errors)
    return ("answered", {q: (type(a).__name__, a) for q, a in answers.items()}, region)


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


@pytest.mark.parametrize(
    "body",
    [
        b'{"answers": {"fever": true, "age": 40, "pain_severity": 0}, "region": "GB"}',
        b'{"answers": {"fever": "unsure"}, "region": null}',
        b' { "answers" : { } } ',
    ],
)
def test_a_body_with_nothing_wrong_is_read_quickly(body: bytes) -> None:
    assert bodies._quick(TRIAGE, body) is not None
    assert outcome(body) == outcome(body, strict=True)


@st.composite
def nearly_right(draw: st.DrawFn) -> str:
    """Bodies that are mostly right: the right types and ranges, now and then one thing wrong."""
    answer_members = []
    for question in draw(st.permutations([*BOOL_QUESTIONS, *INT_RANGES])):
        if draw(st.integers(0, 3)) == 0:
            continue
        if question in INT_RANGES:
            low, high = INT_RANGES[question]
            value = str(draw(st.integers(low, high)))
        else:
            value = draw(st.sampled_from(["true", "false", '"unsure"']))
        if draw(st.integers(0, 80)) == 0:  # one thing wrong, or a null (read strictly too)
            value = draw(SCALARS)
        answer_members.append(f"{text(question, draw(st.integers(0, 30)) == 0)}: {value}")
    if answer_members and draw(st.integers(0, 10)) == 0:  # a question answered twice
        answer_members.append(draw(st.sampled_from(answer_members)))
    top = [f'"answers": {{{", ".join(answer_members)}}}']
    region = draw(st.sampled_from([None, '"GB"', '"US"', "null", '"XX"', '"G:B"', "1"]))
    if region is not None:
        top.append(f'"region": {region}')
    if draw(st.integers(0, 20)) == 0:
        top.append(draw(st.sampled_from(['"extra": 1', top[0]])))
    return "{" + ", ".join(draw(st.permutations(top))) + "}"


@settings(max_examples=300)
@given(st.one_of(TOP, nearly_right()))
def test_the_quick_reading_has_the_strict_outcome(body: str) -> None:
    raw = body.encode()
    assert outcome(raw) == outcome(raw, strict=True)


@pytest.mark.parametrize(
    "body",
    [
        b'{"answers": {"fever": true, "fever": false}}',
        rb'{"answers": {"fever": true, "f\u0065ver": false}}',
        b'{"answers": {"age": 99999999999999999999}}',
        b'{"answers": {"age": 40.0, "fever": "unsure"}, "region": "GB"}',
        b'{"answers": {"age": 200}}',
        b'{"answers": {"fever": true}, "region": "XX"}',
        b'{"answers": {"fever": true}, "region": "GB", "extra": 1}',
        b'{"answers": {}, "answers": {"fever": true}}',
        b'{"answers": {"fever": true}, "region": "G:B"}',
        b'{"answers": {"fever": true, "age": null}}',
    ],
)
def test_what_the_quick_reading_would_miss_is_read_strictly(body: bytes) -> None:
    assert bodies._quick(TRIAGE, body) is None
    assert outcome(body) == outcome(body, strict=True)
