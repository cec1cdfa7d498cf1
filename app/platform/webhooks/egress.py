"""The HTTP transport of webhook deliveries: each connection resolves its host once, checks every address
it got, and connects to exactly those addresses, so a name cannot answer a public address to the check and
a private one to the connection (DNS rebinding). TLS still verifies, and sends as SNI, the host name, and
the `Host` header is the URL's, since only the socket's address changes."""

import asyncio
from collections.abc import Callable, Iterable
from typing import TypeAlias

import httpcore
import httpx

from app.platform.webhooks.urls import Address, UnsafeUrl, check_addresses, resolve

Resolver: TypeAlias = Callable[[str, int], list[Address]]


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses that passed the check of this very
    resolution."""

    def __init__(self, *, allow_loopback: bool, resolver: Resolver = resolve) -> None:
        self.allow_loopback = allow_loopback
        self.resolver = resolver
        self.network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await asyncio.to_thread(self.resolver, host, port)  # getaddrinfo blocks
        check_addresses(host, addresses, allow_loopback=self.allow_loopback)
        failed: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for ip in addresses:  # in the resolver's order, as a client without the check would try them
            try:
                return await self.network.connect_tcp(
                    str(ip), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failed = error
        assert failed is not None  # check_addresses refuses an empty list
        raise failed

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeUrl("a webhook is never delivered to a local socket")

    async def sleep(self, seconds: float) -> None:
        await self.network.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its TLS defaults, limits and error mapping) over a PinnedBackend. httpx has
    no option for the backend, so the connection pool it made is replaced by one that has it; the tests
    of DNS rebinding fail if httpx stops using it."""

    def __init__(self, *, allow_loopback: bool, resolver: Resolver = resolve) -> None:
        context = httpx.create_ssl_context()  # loaded once (the CA bundle), for both pools
        super().__init__(verify=context)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=PinnedBackend(allow_loopback=allow_loopback, resolver=resolver),
        )


def client(*, timeout: float, allow_loopback: bool, resolver: Resolver = resolve) -> httpx.AsyncClient:
    """An HTTP client for deliveries: pinned addresses, no redirects, no proxy from the environment."""
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        transport=PinnedTransport(allow_loopback=allow_loopback, resolver=resolver),
    )
