"""An item's schema.org JSON-LD and its HTML page as served: built from the parsed published items, once
per content version and request shape (the snapshot's memo)."""

from collections.abc import Callable, Hashable, Mapping
from typing import Protocol

from app.content.guide import guide_page
from app.content.items import ItemJson, ItemKey, lookup_in, published
from app.content.jsonld import DETAIL_VARY, Publisher, linked_data_json
from app.core.html import content_security_policy
from app.core.media import HTML, LD_JSON, content_type
from app.core.representation import Representation

_LD_JSON = content_type(LD_JSON)
_HTML = content_type(HTML)


class Published(Protocol):
    """What these documents read from the snapshot in memory."""

    cache_control: bytes
    items: Mapping[ItemKey, ItemJson]

    def memo(self, key: Hashable, build: Callable[[], Representation]) -> Representation: ...


def linked_data_representation(
    view: Published, collection: str, slug: str, *, publisher: Publisher, base: str
) -> Representation:
    """The schema.org JSON-LD form of one item; NotFound when nothing has that slug."""

    def build() -> Representation:
        item = published(view.items, collection, slug)
        body = linked_data_json(view.items, item, publisher=publisher, base=base)
        return Representation.build(body, media_type=_LD_JSON, vary=DETAIL_VARY, cache_control=view.cache_control)

    return view.memo(("jsonld", collection, slug, publisher, base), build)


def guide_representation(
    view: Published, collection: str, slug: str, *, publisher: Publisher, base: str
) -> Representation:
    """The HTML page of one item, its JSON-LD inside; NotFound when nothing has that slug."""

    def build() -> Representation:
        item = published(view.items, collection, slug)
        page = guide_page(
            item,
            lookup=lookup_in(view.items),
            linked_data=linked_data_json(view.items, item, publisher=publisher, base=base),
        )
        return Representation.build(
            page,
            media_type=_HTML,
            extra_headers=[(b"content-security-policy", content_security_policy(page))],
            cache_control=view.cache_control,
        )

    return view.memo(("guide", collection, slug, publisher, base), build)
