"""Plain HTML pages of published items: what a patient reads when an EHR's Infobutton link is followed."""

from collections.abc import Callable
from typing import Any

from app.content.items import ItemJson
from app.content.jsonld import html_safe
from app.core.html import templates

# Looks up a published item by type and slug; None when it is not published.
Lookup = Callable[[str, str], ItemJson | None]
DISCLAIMER = (
    "This page is general guidance for adults, not a diagnosis. If you are worried, or your symptoms get "
    "worse, contact a doctor. In an emergency, call your local emergency number."
)
_TEMPLATES = templates("app.content")


# What the guideline says of a treatment, as its page opens it.
_VIEWS = {
    "recommended": ("rec", "Advised", "recommends this"),
    "consider": ("rec", "May help", "says this may help some people"),
    "not_recommended": ("warn", "Not advised", "advises against this"),
}


def _guideline_view(item: ItemJson, lookup: Lookup) -> dict[str, str] | None:
    cited = item.get("recommendation_source")
    if item.get("recommendation") not in _VIEWS or cited is None:
        return None
    style, label, says = _VIEWS[item["recommendation"]]
    source = lookup("source", cited["source"])
    who = source["name"] if source else cited["source"]
    return {"style": style, "label": label, "text": f"{who} {says} ({cited['locator']})."}


def _condition_lists(item: ItemJson, lookup: Lookup) -> dict[str, list[dict[str, Any]]]:
    """A condition's red flags with what to do, and its treatments: those that help, those advised against."""
    red_flags = []
    for summary in item["red_flags"]:
        found = lookup("symptom", summary["slug"])
        red_flags.append({"name": summary["name"], "action": found.get("action") if found else None})
    lists: dict[str, list[dict[str, Any]]] = {"red_flags": red_flags, "helps": [], "advised_against": []}
    for summary in item["treatments"]:
        found = lookup("treatment", summary["slug"])
        entry = {**summary, "caution": found.get("cautions") if found else None}
        against = found is not None and found.get("recommendation") == "not_recommended"
        lists["advised_against" if against else "helps"].append(entry)
    return lists


def _sources(item: ItemJson, lookup: Lookup) -> list[dict[str, str]]:
    """The published sources the item cites, each once, in the order first cited."""
    found = (lookup("source", slug) for slug in dict.fromkeys(c["source"] for c in item["sources"]))
    return [{"title": f"{s['publisher']}: {s['title']}", "url": s["url"]} for s in found if s is not None]


def guide_page(item: ItemJson, *, lookup: Lookup, linked_data: bytes) -> bytes:
    """The page of one item: its text, what belongs with it, its sources, and its JSON-LD."""
    kind = item["type"]
    context: dict[str, Any] = {
        "item": item,
        "action": (item["action"] or "") if kind == "symptom" and item.get("red_flag") else None,
        "guideline": _guideline_view(item, lookup) if kind == "treatment" else None,
        "sources": _sources(item, lookup),
        "disclaimer": DISCLAIMER,
        # The one value the template does not escape: JSON inside a script element, where entities are not
        # decoded. html_safe leaves no <, > or & in it (again, whatever the caller did), so it cannot end the
        # element.
        "linked_data": html_safe(linked_data).decode(),
    }
    if kind == "condition":
        context |= _condition_lists(item, lookup)
    return _TEMPLATES.get_template("guide.html").render(context).encode()
