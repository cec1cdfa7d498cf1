"""Media types, each spelled once, and content negotiation: what a request sends and what it accepts."""

import re
from collections.abc import Iterable

JSON = "application/json"
FHIR_JSON = "application/fhir+json"
LD_JSON = "application/ld+json"
PROBLEM_JSON = "application/problem+json"
ATOM = "application/atom+xml"
XML = "text/xml"
HTML = "text/html"
JAVASCRIPT = "text/javascript"


def content_type(media_type: str) -> bytes:
    """The Content-Type of a UTF-8 text body of this media type."""
    return f"{media_type}; charset=utf-8".encode()


JSON_CONTENT_TYPE = content_type(JSON)
_JSON = JSON.encode()
_FHIR_JSON = FHIR_JSON.encode()


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


def accepts(accept: str | bytes | None, media_type: str, *, default: str = JSON) -> bool:
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
    return media == _JSON or (media.startswith(b"application/") and media.endswith(b"+json"))


def is_fhir(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """The request says its body is a FHIR JSON resource (application/fhir+json)."""
    return media_type(headers) == _FHIR_JSON
