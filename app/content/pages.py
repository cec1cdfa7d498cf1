"""Plain HTML pages of published items: what a patient reads when an EHR's Infobutton link is followed."""

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

ItemJson = Mapping[str, Any]
# Looks up a published item by type and slug; None when it is not published.
Lookup = Callable[[str, str], ItemJson | None]
_STYLE = """body{margin:0;font:1.05rem/1.55 system-ui,sans-serif;color:#1b1b1b;background:#fff}
main{max-width:42rem;margin:0 auto;padding:1rem 1.25rem 3rem}h1{color:#005a4b;margin-bottom:.25rem}
.lead{font-size:1.15rem}.warn{border-left:6px solid #b3261e;background:#fdf0ef;padding:.5rem 1rem}
.rec{border-left:6px solid #005a4b;background:#eef6f4;padding:.5rem 1rem}
.note{color:#444;font-size:.95rem;border-top:1px solid #ccc;margin-top:2rem;padding-top:.5rem}
li{margin:.35rem 0}a{color:#005a4b}"""
DISCLAIMER = (
    "This page is general guidance for adults, not a diagnosis. If you are worried, or your symptoms get "
    "worse, contact a doctor. In an emergency, call your local emergency number."
)


# What the guideline says of a treatment, as its page opens it.
_VIEWS = {
    "recommended": ("rec", "Advised", "recommends this"),
    "consider": ("rec", "May help", "says this may help some people"),
    "not_recommended": ("warn", "Not advised", "advises against this"),
}


def _guideline_view(item: ItemJson, lookup: Lookup) -> str:
    cited = item.get("recommendation_source")
    if item.get("recommendation") not in _VIEWS or cited is None:
        return ""
    style, label, says = _VIEWS[item["recommendation"]]
    source = lookup("source", cited["source"])
    who = source["name"] if source else cited["source"]
    text = f"{who} {says} ({cited['locator']})."
    return f"<p class={style}><strong>{label}:</strong> {escape(text)}</p>"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(part)}</p>" for part in text.split("\n\n") if part.strip())


def _list(title: str, items: list[str]) -> str:
    return f"<h2>{escape(title)}</h2><ul>{''.join(items)}</ul>" if items else ""


def guide_page(item: ItemJson, *, lookup: Lookup, linked_data: bytes) -> bytes:
    """The page of one item: its text, what belongs with it, its sources, and its JSON-LD."""
    kind = item["type"]
    parts = [f"<h1>{escape(item['name'])}</h1>", f"<p class=lead>{escape(item['summary'])}</p>"]
    if kind == "symptom" and item.get("red_flag"):
        parts.append(f"<p class=warn><strong>What to do:</strong> {escape(item['action'] or '')}</p>")
    if kind == "treatment":
        parts.append(_guideline_view(item, lookup))
    parts.append(_paragraphs(item["body"]))
    if kind == "treatment":
        parts.append(f"<h2>When it helps</h2>{_paragraphs(item['when_to_use'])}")
        if item["cautions"]:
            parts.append(f"<h2>Take care</h2>{_paragraphs(item['cautions'])}")
    if kind == "condition":
        flags = []
        for summary in item["red_flags"]:
            found = lookup("symptom", summary["slug"])
            action = f" {escape(found['action'])}" if found and found.get("action") else ""
            flags.append(f"<li><strong>{escape(summary['name'])}:</strong>{action}</li>")
        parts.append(_list("Get help if you have any of these", flags))
        helps: list[str] = []
        advised_against: list[str] = []
        for summary in item["treatments"]:
            found = lookup("treatment", summary["slug"])
            caution = f" <em>Take care: {escape(found['cautions'])}</em>" if found and found.get("cautions") else ""
            entry = f"<li><strong>{escape(summary['name'])}:</strong> {escape(summary['summary'])}{caution}</li>"
            against = found is not None and found.get("recommendation") == "not_recommended"
            (advised_against if against else helps).append(entry)
        parts.append(_list("What can help", helps))
        parts.append(_list("What is not advised", advised_against))
        parts.append(_list("Common causes", [f"<li>{escape(c['name'])}</li>" for c in item["causes"]]))
    sources = []
    for slug in dict.fromkeys(c["source"] for c in item["sources"]):
        source = lookup("source", slug)
        if source is None:
            continue
        title = escape(f"{source['publisher']}: {source['title']}")
        sources.append(
            f'<li><a href="{escape(source["url"])}">{title}</a></li>' if source["url"] else f"<li>{title}</li>"
        )
    parts.append(_list("Where this comes from", sources))
    parts.append(f"<p class=note>{escape(DISCLAIMER)} Last reviewed {escape(item['last_reviewed'])}.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{escape(item["name"])}</title>
<style>{_STYLE}</style>
<script type="application/ld+json">{linked_data.decode()}</script>
</head><body><main>{"".join(parts)}</main></body></html>
""".encode()
