"""Published content kept in memory, already serialised, and the store that refreshes it."""

import bisect
import gc
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from urllib.parse import urlencode

import orjson
from sqlalchemy import Engine
from sqlmodel import Session

from app.content.items import ItemJson, ItemKey, code_tokens, not_found
from app.content.jsonld import DETAIL_VARY
from app.content.models import ItemType
from app.content.queries import COLLECTION_OF, COLLECTIONS, ListQuery
from app.content.service import PublishedContent, content_version, published_content
from app.core.cursors import decode_cursor, encode_cursor
from app.core.db import read_consistently
from app.core.outage import Outage
from app.core.representation import REVALIDATE_CACHE_CONTROL, Representation, compact_json
from app.search.index import SearchIndex
from app.sync.feed import RULESET_TYPE, Entry, Feed, encode_position
from app.sync.models import Change
from app.sync.service import published_changes
from app.triage.regions import LocalServices
from app.triage.served import ServedTriage, load_triage

logger = logging.getLogger("app.snapshot")

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


def _facets(item: ItemJson) -> dict[str, frozenset[str]]:
    facets = {"condition": frozenset(item.get("conditions", ()))}
    if "category" in item:
        facets["category"] = frozenset({str(item["category"])})
    if "red_flag" in item:
        facets["red_flag"] = frozenset({"true" if item["red_flag"] else "false"})
    if item.get("recommendation") is not None:
        facets["recommendation"] = frozenset({str(item["recommendation"])})
    facets["code"] = code_tokens(item)
    return facets


@dataclass
class Snapshot:
    """Everything a worker serves for one content version: prepared representations, and the parsed items
    the domains build other documents from."""

    version: int
    details: dict[str, Representation]
    listings: dict[str, list[_Listed]]
    items: Mapping[ItemKey, ItemJson]  # each published item as the JSON its details were serialised from
    items_by_code: Mapping[str, Sequence[ItemKey]]  # per `system|code` token (ICD categories too), in list order
    search: SearchIndex
    feed: Feed
    cache_control: bytes  # of published content, from the settings
    triage: ServedTriage | None = None
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
        make_triage: Callable[[dict[str, dict[str, str]], dict[str, list[dict[str, str]]]], ServedTriage | None] = (
            lambda _treatments, _codes: None
        ),
    ) -> "Snapshot":
        """Serialise every published item once, as details and list entries; compile the triage ruleset
        with the treatments and codes it shows."""
        details: dict[str, Representation] = {}
        listings: dict[str, list[_Listed]] = {}
        items: dict[ItemKey, ItemJson] = {}
        items_by_code: dict[str, list[ItemKey]] = {}
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
                facets = _facets(item)
                listings[collection].append(_Listed(str(item["slug"]), body, facets))
                items[collection, item["slug"]] = item
                for code in facets["code"]:
                    items_by_code.setdefault(code, []).append((collection, item["slug"]))
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
        return cls(content.version, details, listings, items, items_by_code, search, feed, cache_control, triage)

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
            raise not_found(collection, slug)
        return found

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
        self.outage = Outage(
            logger,
            began="content refresh failed, serving the snapshot in memory: %s",
            ended="content refresh recovered",
        )

    def refresh(self) -> bool:
        """Rebuild when the database has a newer version; True when it rebuilt."""
        with Session(self.engine) as session:
            read_consistently(session)
            if self.current is not None and content_version(session=session) == self.current.version:
                return False
            changes, floor = published_changes(session=session)
            # Loading and building make tens of thousands of objects that all live on: the collector
            # would walk them again and again as they pile up and find nothing to free, so it waits
            # until the snapshot is built.
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
            self.outage.failed(exc)
        else:
            self.outage.answered()
