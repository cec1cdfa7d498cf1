"""Webhook URLs that may be called: well-formed for the HTTP client, to public HTTPS addresses only (no
private, link-local or metadata addresses), checked when an endpoint is registered and before each delivery."""

import ipaddress
import re
import socket

# A DNS name as the client sends it (IDNA already applied): letters, digits, hyphens and underscores in
# labels of at most 63, dot-separated, with an optional final dot.
_NAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?$")


class UnsafeUrl(ValueError):
    """A URL the service will not call, and why."""


def _addresses(host: str, port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"{host} does not resolve") from None
    addresses = set()
    for *_, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        addresses.add(ip)
    return addresses


def _parts(url: str) -> tuple[str, str, int]:
    """Scheme, host and port as the HTTP client reads them (the same parser, so what passes here is
    what it sends); UnsafeUrl for anything it would refuse or could not connect to."""
    import httpx  # loaded with the first registration or delivery, as the client is

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise UnsafeUrl("it is not a valid URL") from None
    if parsed.userinfo:
        raise UnsafeUrl("a webhook URL carries no user name or password")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise UnsafeUrl("a webhook URL needs a host")
    if ":" not in host and not _NAME.match(host):  # httpx has checked IPv6 literals already
        raise UnsafeUrl("the host is not a valid host name")
    port = parsed.port if parsed.port is not None else 443 if parsed.scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise UnsafeUrl("the port is not valid: 1 to 65535")
    return parsed.scheme, host, port


def check_url(url: str, *, allow_loopback: bool) -> None:
    """UnsafeUrl unless the URL is https to public addresses only (or, with `allow_loopback`, for
    development, http or https to this machine)."""
    scheme, host, port = _parts(url)
    if scheme != "https" and not (allow_loopback and scheme == "http"):
        raise UnsafeUrl("a webhook URL must use https")
    addresses = _addresses(host, port)
    loopback = all(ip.is_loopback for ip in addresses)
    if allow_loopback and loopback:
        return
    if scheme != "https":
        raise UnsafeUrl("a webhook URL must use https")
    for ip in addresses:
        # is_global is false for private, shared, link-local (cloud metadata lives there), loopback,
        # reserved and documentation ranges.
        if not ip.is_global or ip.is_multicast:
            raise UnsafeUrl(f"{host} resolves to {ip}, which is not a public address")
