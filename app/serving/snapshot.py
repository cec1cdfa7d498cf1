"""Published content kept in memory, already serialised, and the store that refreshes it."""

import bisect
import gc
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.codes import ancestors, token
from app.content.jsonld import JSONLD_MEDIA_TYPE, ItemJson, Publisher, html_safe, linked_data
from app.content.models import ItemType
from app.content.pages import guide_page
from app.content.queries import COLLECTION_OF, COLLECTIONS, ListQuery
from app.content.service import PublishedContent, content_version, published_content
from app.core.cursors import decode_cursor, encode_cursor
from app.core.db import read_consistently
from app.core.errors import NotFound
from app.core.http import REVALIDATE_CACHE_CONTROL, Representation, compact_json
from app.core.pages import content_security_policy
from app.search.index import SearchIndex
from app.sync.feed import RULESET_TYPE, Entry, Feed, encode_position
from app.sync.models import Change
from app.sync.service import published_changes
from app.triage.regions import LocalServices
from app.triage.service import Triage, load_triage

logger = logging.getLogger("app.snapshot")

# Details come as JSON or, on request, as schema.org JSON-LD.
DETAIL_VARY = b"Accept, Accept-Encoding"
# Pages and search results are memoised per query until about this many bytes are kept, then
# the memo starts over.
_PAGE_CACHE_BYTES = 16 * 1024 * 1024
_MEMO_ENTRY_OVERHEAD = 1024


_FIRST_PAGE = ListQuery()


@dataclass(frozen=True, slots=True)
class _Listed:
    slug: str
    json: bytes
    facets: Mapping[str, frozenset[str]]


def _facets(item: dict[str, Any]) -> dict[str, frozenset[str]]:
    facets = {"condition": frozenset(item.get("conditions", ()))}
    if "category" in item:
        facets["category"] = frozenset({str(item["category"])})
    if "red_flag" in item:
        facets["red_flag"] = frozenset({"true" if item["red_flag"] else "false"})
    if item.get("recommendation") is not None:
        facets["recommendation"] = frozenset({str(item["recommendation"])})
    # A code matches itself and, for ICD, every category above it: a query for M62.83 finds M62.830.
    facets["code"] = frozenset(
        token(code["system"], found)
        for code in item.get("codes", ())
        for found in ancestors(code["system"], code["code"])
    )
    return facets


_TYPE_ORDER = {"condition": 0, "symptom": 1, "treatment": 3}
_URGENCY_ORDER = {"emergency": 0, "urgent": 1}


def _reading_order(item: ItemJson) -> tuple[int, int, str]:
    rank = _TYPE_ORDER.get(item["type"], 4) + (1 if item["type"] == "symptom" and not item.get("red_flag") else 0)
    return rank, _URGENCY_ORDER.get(item.get("urgency") or "", 2), item["name"]


@dataclass
class Snapshot:
    """Everything a worker serves for one content version."""

    version: int
    details: dict[str, Representation]
    listings: dict[str, list[_Listed]]
    search: SearchIndex
    feed: Feed
    cache_control: bytes  # of published content, from the settings
    triage: Triage | None = None
    first_pages: dict[str, Representation] = field(init=False)
    _pages: dict[Hashable, Representation] = field(default_factory=dict)
    _page_bytes: int = 0
    _lock: Lock = field(default_factory=Lock)

    @classmethod
    def build(
        cls,
        content: PublishedContent,
        *,
        changes: Sequence[Change] = (),
        changes_floor: int = 0,
        cache_control: bytes,
        make_triage: Callable[[dict[str, dict[str, str]], dict[str, list[dict[str, str]]]], Triage | None] = (
            lambda _treatments, _codes: None
        ),
    ) -> "Snapshot":
        """Serialise every published item once, as details and list entries; compile the triage ruleset
        with the treatments and codes it shows."""
        details: dict[str, Representation] = {}
        listings: dict[str, list[_Listed]] = {}
        treatments: dict[str, dict[str, str]] = {}
        symptom_codes: dict[str, list[dict[str, str]]] = {}
        search = SearchIndex()
        for collection, kind in COLLECTIONS.items():
            listings[collection] = []
            for item in content.items(kind):
                body = compact_json(item)
                details[f"/v1/{collection}/{item['slug']}"] = Representation.build(
                    body, vary=DETAIL_VARY, cache_control=cache_control
                )
                listings[collection].append(_Listed(str(item["slug"]), body, _facets(item)))
                search.add(kind.value, item)
                if kind == ItemType.treatment:
                    treatments[item["slug"]] = {k: item[k] for k in ("slug", "name", "summary", "category", "cautions")}
                elif kind == ItemType.symptom and item["codes"]:
                    symptom_codes[item["slug"]] = item["codes"]
        triage = make_triage(treatments, symptom_codes)

        def item_of(change: Change) -> bytes | None:
            if change.action != "upsert":
                return None
            if change.type == RULESET_TYPE:
                return triage.offline if triage is not None else None
            return details[f"/v1/{COLLECTION_OF[change.type]}/{change.slug}"].identity.body

        entries = [
            Entry(change.seq or 0, change.type, change.slug, change.action, change.revision, found)
            for change in changes
            # A ruleset entry while no ruleset is loaded (an empty database) has nothing to send.
            if (found := item_of(change)) is not None or change.action != "upsert"
        ]
        feed = Feed(entries, changes_floor)
        return cls(content.version, details, listings, search, feed, cache_control, triage)

    def export(self) -> Representation:
        """Every published item in one document, with the sync cursor that follows it."""

        def build() -> Representation:
            items = b",".join(entry.json for listed in self.listings.values() for entry in listed)
            ruleset = self.triage.offline if self.triage is not None else b"null"
            cursor = orjson.dumps(encode_position(self.feed.head))
            body = b'{"cursor":%s,"data":[%s],"ruleset":%s}' % (cursor, items, ruleset)
            return Representation.build(body, cache_control=REVALIDATE_CACHE_CONTROL)

        return self.memo("export", build)

    def changes(self, since: int | None, limit: int) -> Representation:
        """The changes after a sync position, memoised per query for this version."""
        key = ("changes", since, limit)
        page = lambda: Representation.build(self.feed.page(since, limit), cache_control=REVALIDATE_CACHE_CONTROL)  # noqa: E731
        return self.memo(key, page)

    def detail(self, collection: str, slug: str) -> Representation:
        """The prepared detail of one item; NotFound when nothing has that slug."""
        found = self.details.get(f"/v1/{collection}/{slug}")
        if found is None:
            raise NotFound(f"No {COLLECTIONS[collection].value} has the slug '{slug}'.")
        return found

    def _lookup(self, kind: str, found: str) -> ItemJson | None:
        prepared = self.details.get(f"/v1/{COLLECTION_OF[kind]}/{found}")
        return None if prepared is None else orjson.loads(prepared.identity.body)

    def _linked_data(self, collection: str, slug: str, *, publisher: Publisher, base: str) -> bytes:
        detail = self.detail(collection, slug)
        document = linked_data(orjson.loads(detail.identity.body), lookup=self._lookup, publisher=publisher, base=base)
        return html_safe(compact_json(document))

    def linked_data(self, collection: str, slug: str, *, publisher: Publisher, base: str) -> Representation:
        """The schema.org JSON-LD form of one item; NotFound when nothing has that slug."""

        def build() -> Representation:
            body = self._linked_data(collection, slug, publisher=publisher, base=base)
            return Representation.build(
                body, media_type=JSONLD_MEDIA_TYPE, vary=DETAIL_VARY, cache_control=self.cache_control
            )

        return self.memo(("jsonld", collection, slug, publisher, base), build)

    def guide(self, collection: str, slug: str, *, publisher: Publisher, base: str) -> Representation:
        """The HTML page of one item, its JSON-LD inside; NotFound when nothing has that slug."""

        def build() -> Representation:
            item = orjson.loads(self.detail(collection, slug).identity.body)
            page = guide_page(
                item,
                lookup=self._lookup,
                linked_data=self._linked_data(collection, slug, publisher=publisher, base=base),
            )
            return Representation.build(
                page,
                media_type=b"text/html; charset=utf-8",
                extra_headers=[(b"content-security-policy", content_security_policy(page))],
                cache_control=self.cache_control,
            )

        return self.memo(("guide", collection, slug, publisher, base), build)

    def coded(self, wanted: str) -> list[ItemJson]:
        """Published conditions, symptoms and treatments with this `system|code` token: the condition
        first, then red flags (emergencies first), other symptoms, and treatments."""
        found: list[ItemJson] = []
        for collection in ("conditions", "symptoms", "treatments"):
            found += [orjson.loads(e.json) for e in self.listings[collection] if wanted in e.facets.get("code", ())]
        return sorted(found, key=_reading_order)

    def named(self, text: str, *, limit: int) -> list[ItemJson]:
        """Published items whose words match, best first, as search ranks them."""
        hits = [orjson.loads(hit) for hit in self.search.search(text, kind=None, limit=limit * 2)]
        hits = [hit for hit in hits if hit["type"] != "source"][:limit]
        found = [self.details.get(f"/v1/{COLLECTION_OF[hit['type']]}/{hit['slug']}") for hit in hits]
        return [orjson.loads(rep.identity.body) for rep in found if rep is not None]

    def __post_init__(self) -> None:
        # The list as requested without parameters is the most common list request.
        self.first_pages = {collection: self.page(collection, _FIRST_PAGE) for collection in COLLECTIONS}

    def page(self, collection: str, query: ListQuery) -> Representation:
        """One prepared page of a list, memoised per query for this version."""
        return self.memo((collection, query), lambda: self._build_page(collection, query))

    def search_results(self, query: str, *, kind: str | None, limit: int) -> Representation:
        """Search results, memoised per query for this version."""

        def build() -> Representation:
            hits = self.search.search(query, kind=kind, limit=limit)
            return Representation.build(b'{"data":[' + b",".join(hits) + b"]}", cache_control=self.cache_control)

        return self.memo(("search", query, kind, limit), build)

    def memo(self, key: Hashable, build: Callable[[], Representation]) -> Representation:
        """A representation derived from this version, built once per key while memory allows."""
        found = self._pages.get(key)
        if found is None:
            found = build()
            # Count what a memo entry costs beyond its body, so tiny bodies cannot pile up unbounded.
            size = len(found.identity.body) + _MEMO_ENTRY_OVERHEAD
            with self._lock:
                if self._page_bytes + size > _PAGE_CACHE_BYTES:
                    self._pages.clear()
                    self._page_bytes = 0
                self._pages[key] = found
                self._page_bytes += size
        return found

    def _build_page(self, collection: str, query: ListQuery) -> Representation:
        listed = self.listings[collection]
        if query.filters:
            listed = [
                entry for entry in listed if all(value in entry.facets.get(name, ()) for name, value in query.filters)
            ]
        start = 0
        if query.cursor is not None:
            after = decode_cursor(query.cursor)
            start = bisect.bisect_right([entry.slug for entry in listed], after)
        chosen = listed[start : start + query.limit]
        more = start + query.limit < len(listed)
        next_cursor = encode_cursor(chosen[-1].slug) if more and chosen else None
        body = b'{"data":[' + b",".join(entry.json for entry in chosen) + b'],"next_cursor":'
        body += orjson.dumps(next_cursor) + b"}"
        extra: list[tuple[bytes, bytes]] = []
        if next_cursor is not None:
            params = [*query.filters, ("limit", str(query.limit)), ("cursor", next_cursor)]
            extra.append((b"link", f'</v1/{collection}?{urlencode(params)}>; rel="next"'.encode()))
        return Representation.build(body, extra_headers=extra, cache_control=self.cache_control)


class SnapshotStore:
    """Holds the current snapshot and rebuilds it when the content version changes."""

    def __init__(self, engine: Engine, *, cache_control: bytes, local: LocalServices | None = None) -> None:
        self.engine = engine
        self.cache_control = cache_control
        self.local = local
        self.current: Snapshot | None = None
        self.failing = False

    def refresh(self) -> bool:
        """Rebuild when the database has a newer version; True when it rebuilt."""
        with Session(self.engine) as session:
            read_consistently(session)
            if self.current is not None and content_version(session=session) == self.current.version:
                return False
            changes, floor = published_changes(session=session)
            # Loading and building make tens of thousands of objects that all live on: the collector
            # would walk them again and again as they pile up (about 40 % of a 10,000-item build) and
            # find nothing to free, so it waits until the snapshot is built.
            collecting = gc.isenabled()
            gc.disable()
            try:
                self.current = Snapshot.build(
                    published_content(session=session),
                    changes=changes,
                    changes_floor=floor,
                    cache_control=self.cache_control,
                    make_triage=lambda treatments, codes: load_triage(
                        session=session,
                        treatments=treatments,
                        local=self.local,
                        cache_control=self.cache_control,
                        symptom_codes=codes,
                    ),
                )
            finally:
                if collecting:
                    gc.enable()
        # The snapshot lives until the next change: keep the collector from rescanning it.
        gc.collect()
        gc.freeze()
        logger.info("content snapshot built for version %s", self.current.version)
        return True

    def try_refresh(self) -> None:
        """Refresh, but keep serving the snapshot we have when the database is unreachable."""
        try:
            self.refresh()
        except Exception as exc:
            if not self.failing:  # once per outage, not once per poll
                logger.warning("content refresh failed, serving the snapshot in memory: %s", type(exc).__name__)
            self.failing = True
        else:
            if self.failing:
                logger.warning("content refresh recovered")
            self.failing = False
