"""OpenAPI descriptions the routes share: a cacheable GET's responses and headers, text files, int32 bounds."""

from typing import Any

CACHE_HEADERS_DOC: dict[str, Any] = {
    "ETag": {"description": "Strong validator of this representation.", "schema": {"type": "string", "maxLength": 100}},
    "Cache-Control": {
        "description": "How long shared caches may keep it.",
        "schema": {"type": "string", "maxLength": 200},
    },
}
# For integer parameters and fields whose bounds fit in 32 bits.
INT32: dict[str, Any] = {"format": "int32"}
INT32_MAX = 2**31 - 1  # the largest id a database integer column holds


def cached_responses(
    ok: dict[str, Any] | None = None, *, extra_headers: dict[str, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for a cacheable GET: its 200 (with ETag and Cache-Control) and its 304."""
    return {
        200: {**(ok or {}), "headers": {**CACHE_HEADERS_DOC, **(extra_headers or {})}},
        304: {"description": "Not Modified: the `If-None-Match` ETag is current.", "headers": CACHE_HEADERS_DOC},
    }


def text_file_doc(media_type: str, description: str) -> dict[str, Any]:
    """The OpenAPI entry of a static text file we serve (each is well under 64 KiB)."""
    return {
        "description": description,
        "content": {media_type: {"schema": {"type": "string", "maxLength": 65536}}},
    }
