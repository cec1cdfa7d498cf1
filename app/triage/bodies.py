"""Reading a triage request body: in one quick pass when nothing is wrong with it, else strictly, naming
every problem."""

import json
import math
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from app.core.errors import BadRequest, InvalidInput
from app.triage.engine import Answer, CompiledRuleset, parse_answers
from app.triage.ruleset import QuestionSpec

if TYPE_CHECKING:
    from app.triage.served import ServedTriage

_BODY_FIELDS = frozenset({"answers", "region"})


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    found.duplicates = []
    if len(found) != len(pairs):
        found.duplicates = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
    return found


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):
        raise ValueError("a number too large for JSON")
    return number


# The standard library's decoder, because it can see a key given twice (orjson keeps the last).
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_no_constant, parse_float=_finite)


def read_strictly(body: bytes) -> Any:
    """The body's JSON document, read strictly: a key given twice is seen, and only JSON is accepted."""
    try:
        return _DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


def given_twice(value: Any) -> list[dict[str, Any]]:
    """An error for every key given more than once in any object of a document `read_strictly`, with its
    path: which of two values was meant is not for the service to guess (the last would win)."""
    errors: list[dict[str, Any]] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [(("body",), value)]
    while stack:  # by hand, not by recursion: the document may be as deep as the decoder allows
        path, found = stack.pop()
        if isinstance(found, _Object):
            errors += [{"loc": [*path, key], "msg": "given more than once"} for key in found.duplicates]
            stack += [((*path, key), item) for key, item in found.items()]
        elif isinstance(found, list):
            stack += [((*path, index), item) for index, item in enumerate(found)]
    return sorted(errors, key=lambda error: [str(part) for part in error["loc"]])


def _answer_type(question: QuestionSpec) -> Any:
    if question.type == "bool":
        return bool | Literal["unsure"] | None
    return Annotated[int, msgspec.Meta(ge=question.min, le=question.max)] | None


def quick_reader(engine: CompiledRuleset) -> msgspec.json.Decoder[Any]:
    """A decoder for bodies with nothing wrong: each answer of its question's type and range, and no
    other field. It fails on anything else, which the strict reading then names."""
    answers = msgspec.defstruct(
        "Answers",
        [(q.id, _answer_type(q), None) for q in engine.questions],  # unanswered: left out when read
        forbid_unknown_fields=True,
        omit_defaults=True,
    )
    body = msgspec.defstruct(
        "TriageBody",
        [("answers", answers), ("region", str | None | msgspec.UnsetType, msgspec.UNSET)],
        forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(body)


def _quick(triage: "ServedTriage", body: bytes) -> tuple[dict[str, Answer], str | None] | None:
    """The answers and region of a body with nothing wrong, read in one pass; None to read it strictly.

    msgspec keeps the last of a key given twice, so its reading is used only when no key can have
    been: each key is followed by a colon and strings may hold more, so the body's colons are never
    fewer than its keys, nor its keys than the fields read (an unknown one fails, and null answers
    are left out). When the two counts are equal, no key was given twice, and no answer was null.
    """
    try:
        document = triage.quick_reader.decode(body)
    except msgspec.DecodeError:
        return None
    answers: dict[str, Answer] = msgspec.to_builtins(document.answers)
    region = document.region
    given = 1 + len(answers) + (region is not msgspec.UNSET)
    if isinstance(region, str):
        region = region.upper()
    if given != body.count(b":") or (isinstance(region, str) and region not in triage.voices):
        return None
    return answers, region if isinstance(region, str) else None


def parse_body(triage: "ServedTriage", body: bytes) -> tuple[dict[str, Answer], str | None]:
    """Decode `{"answers": {...}, "region": ...}` strictly: no other fields, no key twice, nothing but JSON."""
    quick = _quick(triage, body)
    if quick is not None:
        return quick
    document = read_strictly(body)
    if not isinstance(document, _Object):
        raise InvalidInput("The body must be an object.", errors=[{"loc": ["body"], "msg": "must be an object"}])
    errors = [{"loc": ["body", name], "msg": "unknown field"} for name in document if name not in _BODY_FIELDS]
    errors += [{"loc": ["body", name], "msg": "given more than once"} for name in document.duplicates]
    if "answers" not in document:
        errors.append({"loc": ["body", "answers"], "msg": "field required"})
    elif isinstance(answers := document["answers"], _Object):  # a JSON object: its duplicates are known
        errors += [{"loc": ["body", "answers", q], "msg": "answered more than once"} for q in answers.duplicates]
    region = document.get("region")
    if isinstance(region, str):
        region = region.upper()
    if region is not None and not (isinstance(region, str) and region in triage.voices):
        known = sorted(code for code in triage.voices if code is not None)
        errors.append({"loc": ["body", "region"], "msg": f"unknown region; known regions: {', '.join(known)}"})
    if errors:
        raise InvalidInput("The body is not acceptable; see errors.", errors=errors)
    return parse_answers(triage.engine, document["answers"]), region
