"""schema.org (JSON-LD) forms of published items, for search engines and host pages."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core.config import Settings

JSONLD_MEDIA_TYPE = b"application/ld+json; charset=utf-8"
# Sites paste JSON-LD into <script type="application/ld+json">, where "</script>" in a string would
# end the element. These characters only occur inside JSON strings, so escaping them keeps the JSON.
_HTML_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def html_safe(json_text: bytes) -> bytes:
    """JSON text with <, > and & written as \\u escapes, safe inside an HTML script element."""
    return json_text.decode().translate(_HTML_SAFE).encode()


# The schema.org type each item type is about.
ENTITY_TYPES = {
    "condition": "MedicalCondition",
    "cause": "MedicalCause",
    "symptom": "MedicalSignOrSymptom",
    "treatment": "MedicalTherapy",
}
ItemJson = dict[str, Any]
# Looks up a published item by type and slug; None when it is not published.
Lookup = Callable[[str, str], ItemJson | None]


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes the content, and under what terms."""

    name: str
    url: str | None = None
    license: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> "Publisher":
        return cls(settings.publisher_name, settings.publisher_url, settings.content_license)

    def organization(self) -> ItemJson:
        return _compact({"@type": "Organization", "name": self.name, "url": self.url})


def linked_data(item: ItemJson, *, lookup: Lookup, publisher: Publisher) -> ItemJson:
    """The schema.org document for one published item."""
    if item["type"] == "source":
        return {"@context": "https://schema.org", **_creative_work(item)}
    sources = [found for slug in _cited_slugs(item) if (found := lookup("source", slug)) is not None]
    credit = "Written in our own words from: " + "; ".join(f"{s['publisher']}, {s['title']}" for s in sources)
    return _compact(
        {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": item["name"],
            "description": item["summary"],
            "inLanguage": "en",
            "lastReviewed": item["last_reviewed"],
            "dateModified": item["updated_at"],
            "about": _entity(item, lookup=lookup),
            "citation": [_citation(s, _locators(item, s["slug"])) for s in sources],
            "publisher": publisher.organization(),
            "license": publisher.license,
            "creditText": credit if sources else None,
        }
    )


def _entity(item: ItemJson, *, lookup: Lookup) -> ItemJson:
    entity: ItemJson = {
        "@type": ENTITY_TYPES[item["type"]],
        "name": item["name"],
        "description": item["summary"],
        "identifier": item["slug"],
    }
    if item["type"] == "condition":

        def linked(kind: str, key: str) -> list[ItemJson]:
            summaries = item[key]
            return [_mention(found, kind) for s in summaries if (found := lookup(kind, s["slug"])) is not None]

        entity["signOrSymptom"] = linked("symptom", "red_flags") + linked("symptom", "symptoms")
        entity["cause"] = linked("cause", "causes")
        entity["possibleTreatment"] = linked("treatment", "treatments")
    elif item["type"] == "cause":
        entity["causeOf"] = [
            _mention(found, "condition") for slug in item["conditions"] if (found := lookup("condition", slug))
        ]
    elif item["type"] == "symptom" and item["red_flag"]:
        entity["potentialAction"] = {"@type": "Action", "description": item["action"]}
    return entity


def _mention(item: ItemJson, kind: str) -> ItemJson:
    return {"@type": ENTITY_TYPES[kind], "name": item["name"], "description": item["summary"]}


def _cited_slugs(item: ItemJson) -> list[str]:
    return list(dict.fromkeys(citation["source"] for citation in item["sources"]))


def _locators(item: ItemJson, source: str) -> list[str]:
    return list(dict.fromkeys(c["locator"] for c in item["sources"] if c["source"] == source))


def _citation(source: ItemJson, sections: list[str]) -> ItemJson:
    return _compact({**_creative_work(source), "description": "Sections: " + "; ".join(sections)})


def _creative_work(source: ItemJson) -> ItemJson:
    return _compact(
        {
            "@type": "CreativeWork",
            "name": source["title"],
            "alternateName": source["name"],
            "publisher": {"@type": "Organization", "name": source["publisher"]},
            "url": source["url"],
            "abstract": source["summary"],
        }
    )


def _compact(document: Mapping[str, Any]) -> ItemJson:
    """Drop unknown (None) and empty values, which schema.org readers treat as absent anyway."""
    return {key: value for key, value in document.items() if value not in (None, [], "")}
