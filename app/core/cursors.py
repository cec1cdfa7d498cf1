"""Opaque cursors: a prefix and a value, in URL-safe base64 without padding."""

import base64
import binascii


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
