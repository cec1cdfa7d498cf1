"""What text may hold, and what a web address may look like: one definition for query parameters,
content fields, settings and the OpenAPI document."""

import re
from typing import Annotated
from urllib.parse import parse_qsl

from pydantic import AfterValidator, Field

# What text never holds, in query parameters and in content: the C0 controls other than tab, LF and
# CR, and U+FFFE and U+FFFF, which XML cannot hold (the Infobutton answers in Atom XML); and DEL.
NOT_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff"
TEXT_PATTERN = f"^[^{NOT_TEXT}]*$"  # for OpenAPI and pydantic alike
_NOT_TEXT = re.compile(f"[{NOT_TEXT}]")
# Only a query string with a percent escape or a raw control byte can decode to one of them.
_MAY_HOLD_CONTROLS = re.compile(rb"[%\x00-\x1f\x7f]")


def refused_parameters(query_string: bytes) -> list[str]:
    """The query parameters whose name or value, decoded as the framework decodes them, holds what text
    never holds (`NOT_TEXT`); each named once. A query string without '%' or a control byte is not decoded."""
    if _MAY_HOLD_CONTROLS.search(query_string) is None:
        return []
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return list(dict.fromkeys(name for name, value in pairs if _NOT_TEXT.search(name) or _NOT_TEXT.search(value)))


# A web address in RFC 3986's own characters (appendix A), http or https, whose host is a domain name
# (IDNA applied, a dot in it, and no IP address or user name). A `javascript:` or `data:` URL would run
# in any page that links to it; a quote or `<` could end the attribute that holds it.
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LABEL = "[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # never all digits, so never an IPv4 address
_PCHAR = "(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
WEB_ADDRESS_PATTERN = (
    f"^https?://((?:{_LABEL}\\.)+{_TOP_LABEL})(?::([0-9]{{1,5}}))?"
    f"(?:/{_PCHAR}*)*(?:\\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$"
)
_WEB_ADDRESS = re.compile(WEB_ADDRESS_PATTERN)


def web_address(url: str) -> str:
    """The URL as sent, when it is a web address (`WEB_ADDRESS_PATTERN`, a port of 1 to 65535)."""
    found = _WEB_ADDRESS.fullmatch(url)
    if found is None or len(found[1]) > 253 or not 0 < int(found[2] or 80) < 65536:
        raise ValueError(
            "must be an http or https URL to a domain name, without a user name, in the characters RFC 3986 "
            "allows (percent-encode spaces, quotes, <, > and backslashes)"
        )
    return url


WebAddress = Annotated[
    str, Field(max_length=500, json_schema_extra={"pattern": WEB_ADDRESS_PATTERN}), AfterValidator(web_address)
]
