"""Prepared responses: bytes built once with strong ETags and gzip variants, served with conditional GETs."""

import gzip
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.core.config import Settings
from app.core.media import JAVASCRIPT, JSON_CONTENT_TYPE, content_type

Headers = list[tuple[bytes, bytes]]

GZIP_MIN_SIZE = 1024


def compact_json(value: object) -> bytes:
    """JSON bytes to keep: orjson's output holds a 4 KiB buffer, a copy holds only the bytes."""
    return bytes(memoryview(orjson.dumps(value)))


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

    media_type = JAVASCRIPT


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
        media_type: bytes = JSON_CONTENT_TYPE,
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
        media_type=content_type(JAVASCRIPT),
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
