"""The HTML pages' templates escape every value: no item text, title or URL can add markup or a script."""

import json
import re

from app.content.guide import guide_page
from app.content.items import ItemJson
from app.core.html import docs_page, inline_hashes, templates

HOSTILE = "<script>alert('x')</script> & \"quoted\""
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quoted&#34;"
SOURCE = {"publisher": HOSTILE, "title": HOSTILE, "url": 'https://example.org/" onclick="alert(1)', "name": HOSTILE}
CONDITION = {
    "type": "condition",
    "name": HOSTILE,
    "summary": HOSTILE,
    "body": f"{HOSTILE}\n\n{HOSTILE}",
    "red_flags": [{"slug": "flag", "name": HOSTILE}],
    "treatments": [{"slug": "helps", "name": HOSTILE, "summary": HOSTILE}],
    "causes": [{"slug": "cause", "name": HOSTILE}],
    "sources": [{"source": "source", "locator": "1"}],
    "last_reviewed": "2025-01-01",
}


def lookup(kind: str, slug: str) -> ItemJson | None:
    found: dict[str, ItemJson] = {"symptom": {"action": HOSTILE}, "treatment": {"cautions": HOSTILE}, "source": SOURCE}
    return found[kind]


def test_templates_autoescape() -> None:
    rendered = templates("app.core").from_string("<p>{{ value }}</p>").render(value=HOSTILE)
    assert rendered == f"<p>{ESCAPED}</p>"


def test_guide_page_escapes_every_value_and_keeps_its_json_ld_inside_its_element() -> None:
    linked_data = {"name": HOSTILE}
    page = guide_page(CONDITION, lookup=lookup, linked_data=json.dumps(linked_data).encode()).decode()
    # name, summary, two paragraphs, red flag and its action, treatment name, summary and caution, cause,
    # the source's publisher and title; the title element holds the name once more.
    assert page.count(ESCAPED) == 13
    assert 'href="https://example.org/&#34; onclick=&#34;alert(1)"' in page
    (script,) = re.findall(r"<script[^>]*>(.*?)</script>", page, re.DOTALL)
    assert json.loads(script) == linked_data
    assert "<" not in script
    # The policy hashes the style alone: a browser never runs the JSON-LD.
    assert {element: len(found) for element, found in inline_hashes(page.encode()).items()} == {"script": 0, "style": 1}


def test_docs_page_escapes_its_title_and_quotes_the_document_url_as_json() -> None:
    page = docs_page(HOSTILE, '/openapi.json"});alert(1);//</script>').decode()
    assert f"<title>{ESCAPED}</title>" in page
    assert 'SwaggerUIBundle({url: "/openapi.json\\"});alert(1);//\\u003c/script\\u003e", dom_id' in page
    assert len(inline_hashes(page.encode())["script"]) == 1
