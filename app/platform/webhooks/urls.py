"""Webhook URLs that may be called: public HTTPS addresses only (no private, link-local or metadata
addresses), checked when an endpoint is registered and again before each delivery."""

import ipaddress
import socket
from urllib.parse import urlsplit


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


def check_url(url: str, *, allow_loopback: bool) -> None:
    """UnsafeUrl unless the URL is https to public addresses only (or, with `allow_loopback`, for
    development, http or https to this machine)."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("a webhook URL carries no user name or password")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("a webhook URL needs a host")
    if parts.scheme != "https" and not (allow_loopback and parts.scheme == "http"):
        raise UnsafeUrl("a webhook URL must use https")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("the port is not valid") from None
    addresses = _addresses(host, port)
    loopback = all(ip.is_loopback for ip in addresses)
    if allow_loopback and loopback and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https":
        raise UnsafeUrl("a webhook URL must use https")
    for ip in addresses:
        # is_global is false for private, shared, link-local (cloud metadata lives there), loopback,
        # reserved and documentation ranges.
        if not ip.is_global or ip.is_multicast:
            raise UnsafeUrl(f"{host} resolves to {ip}, which is not a public address")
