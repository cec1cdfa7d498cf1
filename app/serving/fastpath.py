"""The fast path: hot GETs and triage POSTs answered straight from the snapshot, ahead of the framework."""

from urllib.parse import parse_qsl

from starlette.types import Scope

from app.content.queries import COLLECTIONS, FILTERS, PARAMETERS, ListQuery
from app.core.edge import BodyResponder, FastResponder
from app.core.errors import AppError
from app.core.http import Headers, Representation, media_type
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.serving.snapshot import SnapshotStore


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


def snapshot_responder(store: SnapshotStore) -> FastResponder:
    """A fast responder over the store's current snapshot."""

    def respond(scope: Scope) -> Representation | None:
        snapshot = store.current
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

    return respond


def triage_responder(store: SnapshotStore) -> BodyResponder:
    """Answers a well-formed triage POST without the framework; anything else goes to the route."""

    def respond(scope: Scope, body: bytes) -> tuple[int, Headers, bytes] | None:
        snapshot = store.current
        if snapshot is None or snapshot.triage is None:
            return None
        if media_type(scope["headers"]) != b"application/json":  # other JSON types go to the route
            return None
        try:
            return snapshot.triage.answer(body)
        except AppError:
            return None

    return respond
