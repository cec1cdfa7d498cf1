"""schema.org (JSON-LD) forms of published items, for search engines and host pages."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.content.codes import SYSTEM_NAMES
from app.content.items import ItemJson, ItemKey, Lookup, lookup_in
from app.content.queries import COLLECTION_OF
from app.core.config import Settings
from app.core.representation import compact_json

# Details come as JSON or, on request, as schema.org JSON-LD.
DETAIL_VARY = b"Accept, Accept-Encoding"
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
# Treatments that are something other than a therapy: advice a person follows, a medicine or a class
# of them, or a test.
TREATMENT_TYPES = {
    "see-a-doctor": "HowToTip",
    "keep-active": "HowToTip",
    "rest": "HowToTip",
    "stop-activity": "HowToTip",
    "stay-in-work": "HowToTip",
    "nsaids": "DrugClass",
    "muscle-relaxants": "DrugClass",
    "opioids-long-term": "DrugClass",
    "gabapentin-and-pregabalin": "DrugClass",
    "antidepressants": "DrugClass",
    "paracetamol-alone": "Drug",
    "physical-therapy": "PhysicalTherapy",
    "exercise-programme": "PhysicalTherapy",
    "manual-therapy": "PhysicalTherapy",
    "traction": "PhysicalTherapy",
    "psychological-therapy": "PsychologicalTreatment",
    "routine-imaging": "ImagingTest",
}
# A guideline's view of a treatment: for it (with its strength) or against it.
_GUIDELINE_TYPES = {
    "recommended": "MedicalGuidelineRecommendation",
    "consider": "MedicalGuidelineRecommendation",
    "not_recommended": "MedicalGuidelineContraindication",
}
_GUIDELINE_WORDS = {
    "recommended": "Recommended",
    "consider": "Consider: it may help some people",
    "not_recommended": "Not recommended: the guideline advises against it",
}
# A schema.org document, or a part of one, as it is built.
Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes the content, and under what terms."""

    name: str
    url: str | None = None
    license: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> "Publisher":
        return cls(settings.publisher_name, settings.publisher_url, settings.content_license)

    def organization(self) -> Document:
        return _compact({"@type": "Organization", "name": self.name, "url": self.url})


def page_url(base: str, kind: str, slug: str) -> str:
    """The address of an item's HTML page, which is also its JSON-LD `@id`."""
    return f"{base}/guide/{COLLECTION_OF[kind]}/{slug}"


def schema_type(item: ItemJson) -> str:
    """The schema.org type of what an item is about."""
    if item["type"] == "treatment":
        return TREATMENT_TYPES.get(item["slug"], "MedicalTherapy")
    return ENTITY_TYPES[item["type"]]


def linked_data(item: ItemJson, *, lookup: Lookup, publisher: Publisher, base: str) -> Document:
    """The schema.org document for one published item; `base` is the API's public address."""
    if item["type"] == "source":
        return {"@context": "https://schema.org", **_creative_work(item), "@id": f"{base}/v1/sources/{item['slug']}"}
    sources = [found for slug in _cited_slugs(item) if (found := lookup("source", slug)) is not None]
    credit = "Written in our own words from: " + "; ".join(f"{s['publisher']}, {s['title']}" for s in sources)
    about = _entity(item, lookup=lookup, base=base)
    # schema.org gives `guideline` (and `guidelineSubject`) to medical entities only; advice (a HowToTip)
    # is not one, so its page mentions the guideline's view instead.
    mentions = None
    if about["@type"] == "HowToTip" and (view := about.pop("guideline", None)) is not None:
        mentions = [{key: value for key, value in view.items() if key != "guidelineSubject"}]
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
            "about": about,
            "mentions": mentions,
            "citation": [_citation(s, _locators(item, s["slug"])) for s in sources],
            "publisher": publisher.organization(),
            "license": publisher.license,
            "creditText": credit if sources else None,
        }
    )


def _entity(item: ItemJson, *, lookup: Lookup, base: str) -> Document:
    url = page_url(base, item["type"], item["slug"])
    entity: Document = {
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

        def linked(kind: str, key: str, summaries: list[ItemJson] | None = None) -> list[Document]:
            chosen = item[key] if summaries is None else summaries
            return [_mention(found, base) for s in chosen if (found := lookup(kind, s["slug"])) is not None]

        entity["signOrSymptom"] = linked("symptom", "red_flags") + linked("symptom", "symptoms")
        entity["cause"] = linked("cause", "causes")
        # What a guideline advises against is no possible treatment: it is left to its own page.
        advised = [s for s in item["treatments"] if not _advised_against(lookup("treatment", s["slug"]))]
        treatments = linked("treatment", "treatments", advised)
        entity["possibleTreatment"] = [t for t in treatments if t["@type"] != "HowToTip"]
        entity["subjectOf"] = [t for t in treatments if t["@type"] == "HowToTip"]
    elif item["type"] == "cause":
        entity["causeOf"] = [
            _mention(found, base) for slug in item["conditions"] if (found := lookup("condition", slug))
        ]
    elif item["type"] == "symptom" and item["red_flag"]:
        entity["potentialAction"] = {"@type": "Action", "description": item["action"]}
    elif item["type"] == "treatment":
        entity["guideline"] = _guideline(item, subject=entity["@id"], lookup=lookup)
    if entity["@type"] == "HowToTip":
        entity["text"] = entity.pop("description")
    return _compact(entity)


def _advised_against(item: ItemJson | None) -> bool:
    return item is not None and item.get("recommendation") == "not_recommended"


def _guideline(item: ItemJson, *, subject: str, lookup: Lookup) -> Document | None:
    """What the cited guideline says of a treatment: a MedicalGuidelineRecommendation with its strength,
    or a MedicalGuidelineContraindication when it advises against it; None when nothing is cited."""
    rating, cited = item.get("recommendation"), item.get("recommendation_source")
    if rating is None or cited is None:
        return None
    source = lookup("source", cited["source"]) or {}
    authority = source.get("publisher")
    return _compact(
        {
            "@type": _GUIDELINE_TYPES[rating],
            "name": source.get("title"),
            "url": source.get("url"),
            "description": f"{_GUIDELINE_WORDS[rating]}. {source.get('name', cited['source'])}, {cited['locator']}.",
            "recommendationStrength": rating if rating != "not_recommended" else None,
            "recognizingAuthority": {"@type": "Organization", "name": authority} if authority else None,
            "guidelineSubject": {"@id": subject},
        }
    )


def _code(code: ItemJson) -> Document:
    return {
        "@type": "MedicalCode",
        "codeValue": code["code"],
        "codingSystem": SYSTEM_NAMES.get(code["system"], code["system"]),
    }


def _mention(item: ItemJson, base: str) -> Document:
    url = page_url(base, item["type"], item["slug"])
    mention: Document = {"@type": schema_type(item), "@id": f"{url}#about", "url": url, "name": item["name"]}
    mention["text" if mention["@type"] == "HowToTip" else "description"] = item["summary"]
    if item["type"] == "symptom" and item.get("red_flag") and item.get("codes"):
        mention["code"] = [_code(code) for code in item["codes"]]
    return mention


def _cited_slugs(item: ItemJson) -> list[str]:
    return list(dict.fromkeys(citation["source"] for citation in item["sources"]))


def _locators(item: ItemJson, source: str) -> list[str]:
    return list(dict.fromkeys(c["locator"] for c in item["sources"] if c["source"] == source))


def _citation(source: ItemJson, sections: list[str]) -> Document:
    return _compact({**_creative_work(source), "description": "Sections: " + "; ".join(sections)})


def _creative_work(source: ItemJson) -> Document:
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


def _compact(document: Mapping[str, Any]) -> Document:
    """Drop unknown (None) and empty values, which schema.org readers treat as absent anyway."""
    return {key: value for key, value in document.items() if value not in (None, [], "")}


def linked_data_json(items: Mapping[ItemKey, ItemJson], item: ItemJson, *, publisher: Publisher, base: str) -> bytes:
    """An item's schema.org document as JSON text, the published `items` linked from it, safe inside HTML."""
    return html_safe(compact_json(linked_data(item, lookup=lookup_in(items), publisher=publisher, base=base)))
