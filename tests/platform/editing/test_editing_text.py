"""Text in editors' documents: no control characters but tab, LF and CR, in any field of any item type."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.core.text import TEXT_PATTERN
from app.platform.editing.schemas import create_model_for
from tests.helpers.apps import serve
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio

Path = tuple[str | int, ...]
CITATION = {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"}
CODE = {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M62.830", "display": "Muscle spasm of back"}
REVIEWED: dict[str, Any] = {"summary": "S.", "body": "B.", "sources": [CITATION], "codes": [CODE]}
DOCUMENTS: dict[str, dict[str, Any]] = {
    "conditions": {"slug": "new-item", "name": "N", **REVIEWED},
    "causes": {"slug": "new-item", "name": "N", **REVIEWED, "category": "activity", "conditions": ["back-spasms"]},
    "symptoms": {
        "slug": "new-item",
        "name": "N",
        **REVIEWED,
        "red_flag": True,
        "urgency": "urgent",
        "action": "A.",
        "conditions": ["back-spasms"],
    },
    "treatments": {
        "slug": "new-item",
        "name": "N",
        **REVIEWED,
        "category": "self_care",
        "when_to_use": "W.",
        "cautions": "C.",
        "recommendation": "consider",
        "recommendation_source": CITATION,
        "conditions": ["back-spasms"],
    },
    "sources": {"slug": "new-item", "name": "N", "summary": "S.", "title": "T.", "publisher": "P."},
}
REVIEWED_TEXT: list[Path] = [("name",), ("summary",), ("body",), ("sources", 0, "locator"), ("codes", 0, "display")]
# Every free-text field of each type's document; the others are slugs, enums, dates, codes and the URL.
TEXT_FIELDS: dict[str, list[Path]] = {
    "conditions": REVIEWED_TEXT,
    "causes": REVIEWED_TEXT,
    "symptoms": [*REVIEWED_TEXT, ("action",)],
    "treatments": [*REVIEWED_TEXT, ("when_to_use",), ("cautions",), ("recommendation_source", "locator")],
    "sources": [("name",), ("summary",), ("title",), ("publisher",)],
}
NOT_TEXT = ["\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f", "\ufffe", "\uffff", "\x00"]
OTHER_STRINGS = {
    ("slug",),
    ("conditions", 0),
    ("sources", 0, "source"),
    ("recommendation_source", "source"),
    ("codes", 0, "system"),
    ("codes", 0, "code"),
    ("category",),
    ("urgency",),
    ("recommendation",),
    ("last_reviewed",),
    ("next_review_due",),
    ("url",),
}


def changed(document: dict[str, Any], path: Path, value: str) -> dict[str, Any]:
    """A copy of the document with the value at the path."""
    if len(path) == 1:
        return {**document, str(path[0]): value}
    head, index, *rest = path
    if isinstance(index, int):
        items = list(document[str(head)])
        items[index] = changed(items[index], tuple(rest), value)
        return {**document, str(head): items}
    return {**document, str(head): changed(document[str(head)], path[1:], value)}


def _strings(schema: dict[str, Any], node: dict[str, Any], path: Path) -> list[Path]:
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in node:
        return [found for option in node["anyOf"] for found in _strings(schema, option, path)]
    if node.get("type") == "array":
        return _strings(schema, node["items"], (*path, 0))
    if node.get("type") == "object" or "properties" in node:
        return [found for name, sub in node["properties"].items() for found in _strings(schema, sub, (*path, name))]
    return [path] if node.get("type") == "string" or "enum" in node else []


@pytest.mark.parametrize("collection", list(DOCUMENTS))
def test_the_lists_name_every_string_field(collection: str) -> None:
    schema = create_model_for(collection.removesuffix("s")).model_json_schema()
    strings = set(_strings(schema, schema, ()))
    assert strings - OTHER_STRINGS == set(TEXT_FIELDS[collection])


@pytest.mark.parametrize("collection", list(DOCUMENTS))
async def test_a_control_character_in_any_text_field_is_a_422_naming_it(
    fresh_url: str, key_for: Callable[..., str], collection: str
) -> None:
    headers = bearer(key_for("edit"))
    url = f"/v1/admin/{collection}"
    document = DOCUMENTS[collection]
    async with serve(fresh_url) as client:
        for path in TEXT_FIELDS[collection]:
            for character in NOT_TEXT:
                await refused(client.post(url, json=changed(document, path, f"a{character}b"), headers=headers), path)
        # Tab, LF and CR are text: paragraphs and the like.
        created = await client.post(
            url, json=changed(document, ("summary",), "One.\tTwo.\r\nThree.\n"), headers=headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["document"]["summary"] == "One.\tTwo.\r\nThree.\n"
        for path in TEXT_FIELDS[collection]:
            field = str(path[0])
            change = {field: changed(document, path, "a\x07b")[field]}
            patched = client.patch(
                f"{url}/new-item", json=change, headers={**headers, "If-Match": created.headers["etag"]}
            )
            await refused(patched, path)


async def refused(sent: Any, path: Path) -> None:
    response: httpx.Response = await sent
    assert response.status_code == 422, (path, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    if path[0] == "codes":  # Code's own pattern refuses NUL; the document's check the rest, on the whole code
        assert len(errors) == 1
        assert errors[0]["loc"][:3] == ["body", "codes", 0]
        assert "display should match pattern" in errors[0]["msg"] or errors[0]["loc"][3:] == ["display"]
    else:
        assert errors == [{"loc": ["body", *path], "msg": f"String should match pattern '{TEXT_PATTERN}'"}]
