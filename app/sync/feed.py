"""The mobile sync feed: one export of everything published, then what changed after a cursor."""

import bisect
import re
from dataclasses import dataclass

import orjson

from app.core.cursors import unwrap, wrap
from app.core.errors import BadRequest, Gone

CHANGES_DEFAULT_LIMIT = 100
CHANGES_MAX_LIMIT = 1000
_PREFIX = "seq:"
_SEQ_RE = re.compile(r"[0-9]{1,18}")
# The triage ruleset's place in the feed: one entry, its revision the ruleset version.
RULESET_TYPE = "ruleset"
RULESET_SLUG = "triage"


@dataclass(frozen=True, slots=True)
class Entry:
    """The newest change of one item: an upsert with the item's public JSON, or a tombstone."""

    seq: int
    type: str
    slug: str
    action: str
    revision: int
    item: bytes | None


def encode_position(seq: int) -> str:
    """An opaque sync cursor for a position in the feed."""
    return wrap(_PREFIX, str(seq))


def decode_position(cursor: str) -> int:
    """The feed position of a sync cursor; BadRequest when it is not one of ours."""
    seq = unwrap(cursor, _PREFIX)
    if seq is None or not _SEQ_RE.fullmatch(seq):
        raise BadRequest("The sync cursor is not valid; export again to get one.")
    return int(seq)


@dataclass(frozen=True)
class Feed:
    """Entries in feed order. Positions before `floor` lost tombstones, so they cannot be served."""

    entries: list[Entry]
    floor: int

    @property
    def head(self) -> int:
        """The newest position: where an export taken now leaves a client."""
        return self.entries[-1].seq if self.entries else self.floor

    def page(self, since: int | None, limit: int) -> bytes:
        """The changes after a position (None: from the start), as the JSON body of /v1/changes."""
        if since is None:
            since = 0
        elif since < self.floor:
            raise Gone("This sync cursor is too old: deletions since then are no longer kept. Export again.")
        if since > self.head:
            raise Gone("This sync cursor is from another copy of the content. Export again.")
        start = bisect.bisect_right([entry.seq for entry in self.entries], since)
        chosen = self.entries[start : start + limit]
        data = b",".join(
            b'{"type":%s,"slug":%s,"action":%s,"revision":%d,"item":%s}'
            % (
                orjson.dumps(entry.type),
                orjson.dumps(entry.slug),
                orjson.dumps(entry.action),
                entry.revision,
                entry.item if entry.item is not None else b"null",
            )
            for entry in chosen
        )
        position = chosen[-1].seq if chosen else since
        more = start + limit < len(self.entries)
        return b'{"data":[%s],"next_cursor":%s,"has_more":%s}' % (
            data,
            orjson.dumps(encode_position(position)),
            b"true" if more else b"false",
        )
