"""Webhook URLs that may be called: well-formed for the HTTP client, to public HTTPS addresses only.

A URL is checked when an endpoint is registered or enabled, and again at each delivery, where the
address is resolved once and the connection made to exactly the address that was checked (`egress`).
What counts as public is this module's own table of the IANA special-purpose registries, not the local
Python's `ipaddress.is_global`, whose answers differ between patch releases."""

import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import TypeAlias

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

# A DNS name as the client sends it (IDNA already applied): letters, digits, hyphens and underscores in
# labels of at most 63, dot-separated, with an optional final dot.
_NAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?$")

# IPv4 blocks that are not globally reachable (IANA IPv4 special-purpose address registry, RFC 6890 and
# later), with the whole of 192.0.0.0/24, multicast and the reserved block; the rest is public.
_IPV4_NOT_PUBLIC = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",  # this network
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local: cloud metadata services live here
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (192.0.0.8 and the NAT64 discovery addresses)
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
# IPv6: global unicast only (2000::/3), less the blocks of it that are not globally reachable. Forms that
# carry an IPv4 address are judged by that address (below); everything else outside 2000::/3 (loopback,
# unique-local, link- and site-local, multicast, IPv4-compatible and -translated, discard) is refused.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_IPV6_NOT_PUBLIC = tuple(
    ipaddress.IPv6Network(block)
    for block in (
        "2001::/23",  # IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: the IPv4 address is the last 32 bits
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # the IPv4 address is bits 16 to 47


class UnsafeUrl(ValueError):
    """A URL the service will not call, and why (never the addresses a name resolved to)."""


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address that an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 address reaches; None for others."""
    if ip in _IPV4_MAPPED:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def is_public(ip: Address) -> bool:
    """Whether an address is public: global unicast, and, for IPv6 forms that carry an IPv4 address, that
    address public too."""
    if isinstance(ip, ipaddress.IPv6Address):
        reached = embedded_ipv4(ip)
        if reached is not None:
            return is_public(reached)
        return ip in _IPV6_GLOBAL_UNICAST and not any(ip in block for block in _IPV6_NOT_PUBLIC)
    return not any(ip in block for block in _IPV4_NOT_PUBLIC)


def is_loopback(ip: Address) -> bool:
    """This machine: 127.0.0.0/8, ::1, or 127.x written as an IPv4-mapped address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip in _IPV4_MAPPED:
        return bool(ip.ipv4_mapped and ip.ipv4_mapped.is_loopback)
    return ip.is_loopback


def resolve(host: str, port: int) -> list[Address]:
    """Every address a host name (or address literal) resolves to, in the resolver's order."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"{host} does not resolve") from None
    addresses: list[Address] = []
    for *_, sockaddr in found:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise UnsafeUrl(f"{host} does not resolve")
    return addresses


def check_addresses(host: str, addresses: Iterable[Address], *, allow_loopback: bool) -> None:
    """UnsafeUrl unless every address is public, or (with `allow_loopback`) every one is this machine.
    The message names the host only: what an internal name resolves to is not told."""
    found = list(addresses)
    if allow_loopback and found and all(is_loopback(ip) for ip in found):
        return
    if not all(is_public(ip) for ip in found):
        literal = _literal(host)
        if literal is not None:
            raise UnsafeUrl(f"{literal} is not a public address")
        raise UnsafeUrl(f"{host} resolves to an address that is not a public address")


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def parts(url: str) -> tuple[str, str, int]:
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


def check_form(url: str, *, allow_loopback: bool) -> tuple[str, str, int]:
    """The scheme, host and port of a well-formed https URL (or, with `allow_loopback`, an http one),
    without resolving it; UnsafeUrl otherwise."""
    scheme, host, port = parts(url)
    if scheme != "https" and not (allow_loopback and scheme == "http"):
        raise UnsafeUrl("a webhook URL must use https")
    return scheme, host, port


def check_url(url: str, *, allow_loopback: bool) -> None:
    """UnsafeUrl unless the URL is https to public addresses only (or, with `allow_loopback`, for
    development, http or https to this machine). Resolves the host: for registration, not for a
    connection, which resolves and checks once more itself."""
    scheme, host, port = check_form(url, allow_loopback=allow_loopback)
    addresses = resolve(host, port)
    check_addresses(host, addresses, allow_loopback=allow_loopback)
    if scheme != "https" and not all(is_loopback(ip) for ip in addresses):
        raise UnsafeUrl("a webhook URL must use https")
