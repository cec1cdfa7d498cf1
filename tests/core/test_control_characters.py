"""Control characters in query parameters: the edge refuses them on every route, whatever answers it."""

import re
from typing import Any

import httpx
import pytest

from app.core import text
from app.core.text import refused_parameters
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

MSG = "holds a control character (only tab, LF and CR are allowed), DEL, U+FFFE or U+FFFF"
REFUSED = [
    # The finding: an Atom feed that held U+0001 and U+000B was not well-formed XML.
    ("GET", "/v1/infobutton?mainSearchCriteria.v.dn=back%01%0bspasm", ["mainSearchCriteria.v.dn"]),
    ("GET", "/v1/infobutton?mainSearchCriteria.v.dn=back%EF%BF%BEspasm", ["mainSearchCriteria.v.dn"]),
    ("GET", "/v1/search?q=heat%7F", ["q"]),
    ("GET", "/v1/search?q=heat%00", ["q"]),
    ("GET", "/v1/treatments?category=self_care&condition=back-spasms%1F", ["condition"]),
    # Parameters a route ignores or does not take, on paths the fast path answers.
    ("GET", "/v1/conditions/back-spasms?x%01=1", ["x\x01"]),
    ("GET", "/v1/sources?limit=5&utm=%08&ref=%1b&utm=%08", ["utm", "ref"]),
    ("HEAD", "/v1/treatments/heat?ref=%00", ["ref"]),
    ("GET", "/healthz?probe=%0c", ["probe"]),
    ("POST", "/v1/triage?ref=%1f", ["ref"]),
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(("method", "url", "names"), REFUSED)
async def test_a_control_character_in_a_query_parameter_is_a_422_naming_it(
    seeded_url: str, fast: bool, method: str, url: str, names: list[str]
) -> None:
    async with serve(seeded_url, fast=fast) as client:
        response = await client.request(method, url, json={"answers": {}} if method == "POST" else None)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "*"
    if method == "HEAD":
        return
    listed = ", ".join(repr(name) for name in names)
    assert response.json() == {
        "type": "urn:backpain:problem:validation-error",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": f"The query parameter{'s' if len(names) > 1 else ''} {listed} may not hold control characters; "
        "see errors.",
        "errors": [{"loc": ["query", name], "msg": MSG} for name in names],
    }


@pytest.mark.parametrize("fast", [True, False])
async def test_tab_lf_and_cr_are_text(seeded_url: str, fast: bool) -> None:
    async with serve(seeded_url, fast=fast) as client:
        feed = await client.get("/v1/infobutton?mainSearchCriteria.v.dn=back%09spasm%0D%0A")
        found = await client.get("/v1/search?q=heat%0Apad")
    assert feed.status_code == 200
    assert b'<subtitle type="text">Results for back\tspasm\r\n</subtitle>' in feed.content
    assert found.status_code == 200


@pytest.mark.parametrize(
    ("query", "names"),
    [
        (b"a=\x01", ["a"]),  # raw bytes, as a lenient server may pass them on
        (b"a\x7f=1", ["a\x7f"]),
        (b"a=%C2%85&b=%EF%BF%BD&c=%E2%80%A8", []),  # C1 controls and the rest of Unicode are text
        (b"a=%ef%bf%bf&a=%01", ["a"]),
        (b"%00", ["\x00"]),
        (b"q=tab%09lf%0Acr%0D", []),
        (b"q=a+b&r=%2541", []),  # %25 is '%': '%41' is text, never decoded twice
    ],
)
def test_parameters_are_read_as_the_framework_reads_them(query: bytes, names: list[str]) -> None:
    assert refused_parameters(query) == names


def test_a_plain_query_string_is_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path: no '%' and no control byte, so nothing to decode."""

    def decoded(*_: Any, **__: Any) -> Any:
        raise AssertionError("decoded")

    monkeypatch.setattr(text, "parse_qsl", decoded)
    assert refused_parameters(b"condition=back-spasms&category=self_care&limit=100&cursor=YWZ0ZXI6YQ") == []
    with pytest.raises(AssertionError):
        refused_parameters(b"q=back%20pain")


async def test_the_document_states_it_on_every_query_parameter(client: httpx.AsyncClient) -> None:
    """Each free-text query parameter's pattern refuses control characters, and each operation that takes
    a query parameter documents the 422."""
    schema = (await client.get("/openapi.json")).json()
    checked = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            queries = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            if queries:
                assert "422" in operation["responses"], (method, path)
            for parameter in queries:
                for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    if option.get("type") == "string" and "enum" not in option:
                        for text in ("a\x01b", "\x7f", "\ufffe", "\x00"):
                            assert not re.search(option["pattern"], text), (path, parameter["name"])
                        checked += 1
    # cursor on 13 lists, code on 4, condition on 3, 4 of the Infobutton, q and since
    assert checked == 13 + 4 + 3 + 4 + 1 + 1
