"""The knowledge response: an Atom feed (HL7 Infobutton SOA guide) and the JSON form MedlinePlus Connect uses."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from app.content.items import ItemJson
from app.content.queries import COLLECTION_OF
from app.core.media import HTML, JSON

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Request:
    """What was asked, echoed in the feed's categories as MedlinePlus Connect does."""

    code: str | None
    code_system: str | None
    display_name: str | None
    recipient: str
    language: str


@dataclass(frozen=True)
class Entry:
    """One matching item: its title, pages, summary and where the content comes from."""

    id: str
    title: str
    page: str
    data: str
    summary: str
    updated: str
    sources: Sequence[tuple[str, str | None]]  # (title, url)


def entries(items: Sequence[ItemJson], *, base: str, source: Callable[[str], ItemJson | None]) -> list[Entry]:
    """The feed entries for items, in their order, with absolute links under `base`; `source` finds a
    published source by slug."""
    found = []
    for item in items:
        path = f"{COLLECTION_OF[item['type']]}/{item['slug']}"
        cited = dict.fromkeys(c["source"] for c in item.get("sources", ()))
        found.append(
            Entry(
                id=f"{base}/v1/{path}",
                title=item["name"],
                page=f"{base}/guide/{path}",
                data=f"{base}/v1/{path}",
                summary=item["summary"],
                updated=item["updated_at"],
                sources=[
                    (f"{cited_source['publisher']}: {cited_source['title']}", cited_source.get("url"))
                    for slug in cited
                    if (cited_source := source(slug)) is not None
                ],
            )
        )
    return found


def _categories(asked: Request) -> list[tuple[str, str]]:
    return [
        ("mainSearchCriteria.v.c", asked.code or ""),
        ("mainSearchCriteria.v.cs", asked.code_system or ""),
        ("mainSearchCriteria.v.dn", asked.display_name or ""),
        ("informationRecipient", asked.recipient),
        ("informationRecipient.languageCode.c", asked.language),
    ]


def _subtitle(asked: Request, system_name: str | None) -> str:
    if asked.code:
        return f"Results for {system_name or asked.code_system} {asked.code}"
    return f"Results for {asked.display_name}"


def atom(found: Sequence[Entry], asked: Request, *, meta: Mapping[str, str], system_name: str | None) -> bytes:
    """The Atom feed (RFC 4287) of the entries."""
    ElementTree.register_namespace("", ATOM)

    def sub(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    sub(feed, "title", meta["title"], type="text")
    sub(feed, "subtitle", _subtitle(asked, system_name), type="text")
    author = sub(feed, "author")
    sub(author, "name", meta["publisher"])
    if meta.get("publisher_url"):
        sub(author, "uri", meta["publisher_url"])
    sub(feed, "id", meta["id"])
    sub(feed, "updated", meta["updated"])
    for scheme, term in _categories(asked):
        sub(feed, "category", scheme=scheme, term=term)
    for entry in found:
        element = sub(feed, "entry")
        sub(element, "title", entry.title, type="text")
        sub(element, "link", href=entry.page, rel="alternate", type=HTML)
        sub(element, "link", href=entry.data, rel="related", type=JSON)
        sub(element, "id", entry.id)
        sub(element, "updated", entry.updated)
        sub(element, "summary", entry.summary, type="text")
        source = sub(element, "source")
        sub(source, "title", "Where this guidance comes from", type="text")
        for title, url in entry.sources:
            if url:
                sub(source, "link", href=url, rel="via", title=title)
    body: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def json_feed(found: Sequence[Entry], asked: Request, *, meta: Mapping[str, str], system_name: str | None) -> Any:
    """The feed in the JSON form of MedlinePlus Connect: Atom's elements, text as `_value`."""

    def text(value: str, kind: str | None = None) -> dict[str, str]:
        return {"_value": value, **({"type": kind} if kind else {})}

    author = {"name": text(meta["publisher"])}
    if meta.get("publisher_url"):
        author["uri"] = text(meta["publisher_url"])
    return {
        "feed": {
            "base": meta["base"] + "/",
            "lang": "en",
            "title": text(meta["title"], "text"),
            "subtitle": text(_subtitle(asked, system_name), "text"),
            "author": author,
            "id": text(meta["id"]),
            "updated": text(meta["updated"]),
            "category": [{"scheme": scheme, "term": term} for scheme, term in _categories(asked)],
            "entry": [
                {
                    "lang": "en",
                    "title": text(entry.title, "text"),
                    "link": [
                        {"href": entry.page, "rel": "alternate", "type": HTML},
                        {"href": entry.data, "rel": "related", "type": JSON},
                    ],
                    "id": text(entry.id),
                    "updated": text(entry.updated),
                    "summary": text(entry.summary, "text"),
                    "source": {
                        "title": text("Where this guidance comes from", "text"),
                        "link": [{"href": url, "rel": "via", "title": title} for title, url in entry.sources if url],
                    },
                }
                for entry in found
            ],
        }
    }
