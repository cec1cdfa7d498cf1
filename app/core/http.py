"""HTTP representations: prepared bytes, strong ETags, gzip variants and conditional GETs."""

import gzip
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from fastapi import Depends, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import UnsupportedMediaType

Headers = list[tuple[bytes, bytes]]

JSON_MEDIA_TYPE = b"application/json; charset=utf-8"
GZIP_MIN_SIZE = 1024


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


def compact_json(value: object) -> bytes:
    """JSON bytes to keep: orjson's output holds a 4 KiB buffer, a copy holds only the bytes."""
    return bytes(memoryview(orjson.dumps(value)))


def public_base(request: Request) -> str:
    """The API's public address for absolute links: PUBLIC_BASE_URL, or the request's own."""
    configured: str | None = request.app.state.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def public_cache_control(settings: Settings) -> bytes:
    """The Cache-Control of published content under these settings."""
    return (
        f"public, max-age={settings.cache_max_age}, stale-while-revalidate={settings.cache_stale_while_revalidate}"
    ).encode()


# Scripts we serve: browsers and CDNs keep them a day and may serve them a week past that while they
# revalidate, which is cheap: their ETags name the version.
SCRIPT_CACHE_CONTROL = b"public, max-age=86400, stale-while-revalidate=604800"


class JavaScriptResponse(Response):
    """A JavaScript body (for OpenAPI's media type)."""

    media_type = "text/javascript"


def text_file_doc(media_type: str, description: str) -> dict[str, Any]:
    """The OpenAPI entry of a static text file we serve (each is well under 64 KiB)."""
    return {
        "description": description,
        "content": {media_type: {"schema": {"type": "string", "maxLength": 65536}}},
    }


# For sync documents: any cache may keep them, but must check the ETag before each use.
REVALIDATE_CACHE_CONTROL = b"public, no-cache"


def etag_matches(if_none_match: bytes, etags: Iterable[bytes]) -> bool:
    """RFC 9110 weak comparison of an If-None-Match header against our ETags."""
    candidates = if_none_match.strip()
    if candidates == b"*":
        return True
    wanted = {tag.strip().removeprefix(b"W/") for tag in candidates.split(b",")}
    return any(tag in wanted for tag in etags)


def accepts_gzip(accept_encoding: bytes) -> bool:
    """True when Accept-Encoding allows gzip (a q of 0 refuses it)."""
    for part in accept_encoding.lower().split(b","):
        coding, _, params = part.partition(b";")
        if coding.strip() in (b"gzip", b"*"):
            q = params.strip().removeprefix(b"q=").strip()
            return not (q and q.strip(b"0.") == b"")
    return False


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of a representation: its body and its prepared header lists."""

    body: bytes
    etag: bytes
    ok_headers: Headers
    not_modified_headers: Headers


@dataclass(frozen=True, slots=True)
class Representation:
    """Prepared bytes for a GET, built once and served many times."""

    identity: Variant
    gzipped: Variant | None

    @classmethod
    def build(
        cls,
        body: bytes,
        *,
        media_type: bytes = JSON_MEDIA_TYPE,
        cache_control: bytes,
        vary: bytes = b"Accept-Encoding",
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
        etag_prefix: str = "",
    ) -> "Representation":
        """Hash, compress and lay out the headers of a body once; `etag_prefix` names a version in the ETag."""
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        common: Headers = [
            (b"cache-control", cache_control),
            (b"vary", vary),
            *extra_headers,
        ]

        def variant(data: bytes, etag: bytes, encoding: Headers) -> Variant:
            with_etag = [(b"etag", etag), *common]
            return Variant(
                body=data,
                etag=etag,
                ok_headers=[
                    (b"content-type", media_type),
                    (b"content-length", str(len(data)).encode()),
                    *encoding,
                    *with_etag,
                ],
                not_modified_headers=with_etag,
            )

        identity = variant(body, f'"{etag_prefix}{digest}"'.encode(), [])
        gzipped = None
        if len(body) >= GZIP_MIN_SIZE:
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            gzipped = variant(packed, f'"{etag_prefix}{digest}-gz"'.encode(), [(b"content-encoding", b"gzip")])
        return cls(identity=identity, gzipped=gzipped)

    def select(self, if_none_match: bytes | None, accept_encoding: bytes | None) -> tuple[int, Headers, bytes]:
        """The one place that turns a representation into status, headers and body."""
        chosen = self.identity
        if self.gzipped is not None and accept_encoding and accepts_gzip(accept_encoding):
            chosen = self.gzipped
        if if_none_match and (if_none_match == chosen.etag or etag_matches(if_none_match, self._etags())):
            return 304, chosen.not_modified_headers, b""
        return 200, chosen.ok_headers, chosen.body

    def _etags(self) -> tuple[bytes, ...]:
        if self.gzipped is None:
            return (self.identity.etag,)
        return (self.identity.etag, self.gzipped.etag)


def script_representation(path: Path, placeholder: bytes, *, name: str, version: str) -> Representation:
    """A JavaScript file we serve, its version put where `placeholder` stands; the ETag names it too."""
    return Representation.build(
        path.read_bytes().replace(placeholder, version.encode()),
        media_type=b"text/javascript; charset=utf-8",
        cache_control=SCRIPT_CACHE_CONTROL,
        etag_prefix=f"{name}-{version}-",
    )


class PreparedResponse(Response):
    """A Starlette response whose status, raw headers and body are already laid out."""

    def __init__(self, status: int, headers: Headers, body: bytes) -> None:
        self.status_code = status
        self.body = body
        self.raw_headers = list(headers)
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})


def represent(rep: Representation, request_headers: Iterable[tuple[bytes, bytes]]) -> PreparedResponse:
    """Answer a request from a representation, honouring If-None-Match and Accept-Encoding."""
    if_none_match = accept_encoding = None
    for name, value in request_headers:
        if name == b"if-none-match":
            if_none_match = value
        elif name == b"accept-encoding":
            accept_encoding = value
    return PreparedResponse(*rep.select(if_none_match, accept_encoding))


_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")  # RFC 9110 §12.4.2


def _weights(accept: str) -> dict[str, float]:
    """Each media range of a lower-cased Accept header to its q (the highest, if named twice); a range
    with a malformed q is left out."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        kind, *params = part.split(";")
        q: float | None = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                value = value.strip()
                q = float(value) if _QVALUE.fullmatch(value) else None
        if q is not None:
            weights[kind.strip()] = max(q, weights.get(kind.strip(), 0.0))
    return weights


def accepts(accept: str | bytes | None, media_type: str, *, default: str = "application/json") -> bool:
    """True when an Accept header names this media type with a q above 0 and no lower than the q it gives
    the default (exactly, or by `type/*` or `*/*`): we offer it only on request, and a tie goes to it. The
    one test of it, for the routes and for the edge's fast path alike."""
    if accept is None:
        return False
    text = (accept.decode("latin-1") if isinstance(accept, bytes) else accept).lower()
    if media_type not in text:  # most requests: no parsing
        return False
    weights = _weights(text)
    wanted = weights.get(media_type, 0.0)
    ranges = (default, f"{default.split('/')[0]}/*", "*/*")
    plain = next((weights[kind] for kind in ranges if kind in weights), 0.0)
    return wanted > 0 and wanted >= plain


def media_type(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The media type the request's Content-Type declares, in lower case, without parameters."""
    for name, value in headers:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower()
    return None


def is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """The request says its body is application/json or another +json type."""
    media = media_type(headers)
    if media is None:
        return False
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


def is_fhir(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """The request says its body is a FHIR JSON resource (application/fhir+json)."""
    return media_type(headers) == b"application/fhir+json"


def require_json(request: Request) -> None:
    """A dependency for routes with a body: 415 unless it is declared as JSON."""
    if not is_json(request.headers.raw):
        raise UnsupportedMediaType("Send the body as application/json.")


JSON_BODY = Depends(require_json)
