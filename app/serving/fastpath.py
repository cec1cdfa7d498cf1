"""The fast path: hot GETs and triage POSTs answered straight from the snapshot, ahead of the framework."""

from collections.abc import Awaitable
from urllib.parse import parse_qsl

from starlette.types import Scope

from app.content.queries import COLLECTIONS, FILTERS, PARAMETERS, ListQuery
from app.core.edge import Exchange, Stage
from app.core.errors import AppError
from app.core.media import JSON, LD_JSON, accepts, media_type
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.core.representation import Representation
from app.serving.snapshot import Snapshot, SnapshotStore
from app.triage.router import TRIAGE_PATH

_JSON = JSON.encode()


def _strict_query(collection: str, query_string: bytes) -> ListQuery | None:
    """Parse list parameters in their plain form only; None sends the request to the framework."""
    allowed = {spec.name: spec for spec in FILTERS[collection]}
    seen: dict[str, str] = {}
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    for name, value in pairs:
        if name in seen or name not in PARAMETERS[collection]:
            return None  # the route refuses an unknown one
        seen[name] = value
    limit = seen.pop("limit", None)
    if limit is not None and not (limit.isdigit() and limit[0] != "0" and int(limit) <= MAX_LIMIT):
        return None
    cursor = seen.pop("cursor", None)
    for name, value in seen.items():
        if not allowed[name].plain(value):
            return None
    return ListQuery(
        limit=int(limit) if limit else DEFAULT_LIMIT,
        cursor=cursor,
        filters=tuple(sorted(seen.items())),
    )


def _prepared_get(snapshot: Snapshot | None, scope: Scope) -> Representation | None:
    """The prepared representation of a GET, if the snapshot holds one for its path and query."""
    path: str = scope["path"]
    if snapshot is None or not path.startswith("/v1/"):
        return None
    found = snapshot.details.get(path)
    if found is not None:
        return found
    query_string: bytes = scope["query_string"]
    if not query_string:
        return snapshot.first_pages.get(path[4:])
    collection = path[4:]
    if collection not in COLLECTIONS:
        return None
    query = _strict_query(collection, query_string)
    if query is None:
        return None
    try:
        return snapshot.page(collection, query)
    except AppError:
        return None


def prepared_gets(store: SnapshotStore) -> Stage:
    """Hot GETs (details, first pages, plain list queries) answered from the snapshot's prepared bytes,
    with their ETags and gzip variants; a request for another representation goes on to the routes."""

    def stage(exchange: Exchange) -> Awaitable[int] | None:
        accept = exchange.accept  # JSON-LD is negotiated by the routes; the prepared bytes are the default JSON
        if exchange.scope["method"] != "GET" or (accept is not None and accepts(accept, LD_JSON)):
            return None
        prepared = _prepared_get(store.current, exchange.scope)
        if prepared is None:
            return None
        return exchange.reply(*prepared.select(exchange.if_none_match, exchange.accept_encoding))

    return stage


def prepared_triage(store: SnapshotStore) -> Stage:
    """A well-formed triage POST (a JSON body already read) answered by the ruleset in memory; anything
    else (another JSON type, a body the strict reader must judge) goes on to the route."""

    def stage(exchange: Exchange) -> Awaitable[int] | None:
        scope = exchange.scope
        if exchange.body is None or scope["method"] != "POST" or scope["path"] != TRIAGE_PATH:
            return None
        snapshot = store.current
        if snapshot is None or snapshot.triage is None:
            return None
        if media_type(scope["headers"]) != _JSON:
            return None
        try:
            answered = snapshot.triage.answer(exchange.body)
        except AppError:  # the route words the refusal, in the form the client asked for
            return None
        return exchange.reply(*answered)

    return stage
