"""Opaque cursors: a prefix and a value, in URL-safe base64 without padding."""

import base64
import binascii
import re

from app.core.errors import BadRequest
from app.core.slugs import SLUG_RE

CURSOR_MAX_LENGTH = 200
CURSOR_PATTERN = rf"^[A-Za-z0-9_-]{{1,{CURSOR_MAX_LENGTH}}}$"
CURSOR_RE = re.compile(CURSOR_PATTERN)
_CURSOR_PREFIX = "after:"


def wrap(prefix: str, value: str) -> str:
    """The opaque cursor for a value."""
    return base64.urlsafe_b64encode(f"{prefix}{value}".encode()).decode().rstrip("=")


def unwrap(cursor: str, prefix: str) -> str | None:
    """The value inside a cursor made with this prefix; None when it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    value = text.removeprefix(prefix)
    return None if value == text else value


def encode_cursor(slug: str) -> str:
    """An opaque cursor pointing just after the given slug."""
    return wrap(_CURSOR_PREFIX, slug)


def decode_cursor(cursor: str) -> str:
    """The slug a cursor points after; BadRequest when it is not one of ours."""
    slug = unwrap(cursor, _CURSOR_PREFIX) if CURSOR_RE.fullmatch(cursor) else None
    if slug is None or not SLUG_RE.fullmatch(slug):
        raise BadRequest("The cursor is not valid; start again without one.")
    return slug
