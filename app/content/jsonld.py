"""schema.org (JSON-LD) forms of published items, for search engines and host pages."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.content.codes import SYSTEM_NAMES
from app.content.queries import COLLECTION_OF
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
# Treatments that are something other than a therapy: advice a person follows, or a class of medicines.
TREATMENT_TYPES = {
    "see-a-doctor": "HowToTip",
    "keep-active": "HowToTip",
    "rest": "HowToTip",
    "stop-activity": "HowToTip",
    "nsaids": "DrugClass",
    "muscle-relaxants": "DrugClass",
    "physical-therapy": "PhysicalTherapy",
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


def page_url(base: str, kind: str, slug: str) -> str:
    """The address of an item's HTML page, which is also its JSON-LD `@id`."""
    return f"{base}/guide/{COLLECTION_OF[kind]}/{slug}"


def schema_type(item: ItemJson) -> str:
    """The schema.org type of what an item is about."""
    if item["type"] == "treatment":
        return TREATMENT_TYPES.get(item["slug"], "MedicalTherapy")
    return ENTITY_TYPES[item["type"]]


def linked_data(item: ItemJson, *, lookup: Lookup, publisher: Publisher, base: str) -> ItemJson:
    """The schema.org document for one published item; `base` is the API's public address."""
    if item["type"] == "source":
        return {"@context": "https://schema.org", **_creative_work(item), "@id": f"{base}/v1/sources/{item['slug']}"}
    sources = [found for slug in _cited_slugs(item) if (found := lookup("source", slug)) is not None]
    credit = "Written in our own words from: " + "; ".join(f"{s['publisher']}, {s['title']}" for s in sources)
    return _compact(
        {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "@id": page_url(base, item["type"], item["slug"]),
            "url": page_url(base, item["type"], item["slug"]),
            "name": item["name"],
            "description": item["summary"],
            "inLanguage": "en",
            "lastReviewed": item["last_reviewed"],
            "dateModified": item["updated_at"],
            "about": _entity(item, lookup=lookup, base=base),
            "citation": [_citation(s, _locators(item, s["slug"])) for s in sources],
            "publisher": publisher.organization(),
            "license": publisher.license,
            "creditText": credit if sources else None,
        }
    )


def _entity(item: ItemJson, *, lookup: Lookup, base: str) -> ItemJson:
    url = page_url(base, item["type"], item["slug"])
    entity: ItemJson = {
        "@type": schema_type(item),
        "@id": f"{url}#about",
        "url": url,
        "name": item["name"],
        "description": item["summary"],
        "identifier": item["slug"],
    }
    if item["type"] == "condition" or (item["type"] == "symptom" and item["red_flag"]):
        entity["code"] = [_code(code) for code in item.get("codes", ())] or None
    if item["type"] == "condition":

        def linked(kind: str, key: str) -> list[ItemJson]:
            summaries = item[key]
            return [_mention(found, base) for s in summaries if (found := lookup(kind, s["slug"])) is not None]

        entity["signOrSymptom"] = linked("symptom", "red_flags") + linked("symptom", "symptoms")
        entity["cause"] = linked("cause", "causes")
        treatments = linked("treatment", "treatments")
        entity["possibleTreatment"] = [t for t in treatments if t["@type"] != "HowToTip"]
        entity["subjectOf"] = [t for t in treatments if t["@type"] == "HowToTip"]
    elif item["type"] == "cause":
        entity["causeOf"] = [
            _mention(found, base) for slug in item["conditions"] if (found := lookup("condition", slug))
        ]
    elif item["type"] == "symptom" and item["red_flag"]:
        entity["potentialAction"] = {"@type": "Action", "description": item["action"]}
    if entity["@type"] == "HowToTip":
        entity["text"] = entity.pop("description")
    return _compact(entity)


def _code(code: ItemJson) -> ItemJson:
    return {
        "@type": "MedicalCode",
        "codeValue": code["code"],
        "codingSystem": SYSTEM_NAMES.get(code["system"], code["system"]),
    }


def _mention(item: ItemJson, base: str) -> ItemJson:
    url = page_url(base, item["type"], item["slug"])
    mention: ItemJson = {"@type": schema_type(item), "@id": f"{url}#about", "url": url, "name": item["name"]}
    mention["text" if mention["@type"] == "HowToTip" else "description"] = item["summary"]
    if item["type"] == "symptom" and item.get("red_flag") and item.get("codes"):
        mention["code"] = [_code(code) for code in item["codes"]]
    return mention


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
