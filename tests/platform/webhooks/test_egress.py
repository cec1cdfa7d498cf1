"""Outbound webhook calls cannot be turned inward: a name is resolved once per connection, every address
is checked, and the connection goes to exactly a checked address, with the name kept as TLS SNI and `Host`.
A resolver the test controls plays the rebinding name."""

import contextlib
import ipaddress
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app.platform.webhooks import egress
from app.platform.webhooks.delivery import Job, attempt
from app.platform.webhooks.urls import UnsafeUrl, check_url

pytestmark = pytest.mark.anyio

PUBLIC = "93.184.216.34"
real_getaddrinfo = socket.getaddrinfo


class Resolver:
    """socket.getaddrinfo for names under .test: each name answers from its list, one answer per call
    (the last one repeats); every other name resolves as usual."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):  # as anyio passes it, IDNA-encoded
            host = host.decode("ascii")
        if not isinstance(host, str) or not host.endswith(".test"):
            return real_getaddrinfo(host, port, *args, **kwargs)
        self.calls.append(host)
        queue = self.answers[host]
        ip = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, int(port or 0)))]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, list[str]]], Resolver]:
    def install(answers: dict[str, list[str]]) -> Resolver:
        fake = Resolver(answers)
        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return fake

    return install


class Listener:
    """A loopback TCP listener that records every connection it accepts and the SNI of each TLS hello
    (the handshake then fails: it has no certificate, which is enough to see the name)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.sni_callback = lambda _socket, name, _context: self.names.append(name)
        self.context = context
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            with contextlib.suppress(OSError, ssl.SSLError):
                self.context.wrap_socket(connection, server_side=True)
            connection.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.socket.close()


def job(url: str) -> Job:
    return Job(
        endpoint_id=uuid.uuid4(),
        url=url,
        secret="whsec_" + "a" * 32,
        previous_secret=None,
        previous_secret_until=None,
        delivery_id=1,
        message_id="msg_1",
        payload={"type": "ruleset.published", "data": {}},
        attempts=0,
    )


async def send(url: str, *, allow_loopback: bool, deadline: float = 2.0) -> str | None:
    client = egress.client(timeout=deadline, allow_loopback=allow_loopback)
    try:
        outcome = await attempt(job(url), client=client, deadline=deadline, allow_loopback=allow_loopback)
    finally:
        await client.aclose()
    return outcome.error


async def test_a_name_that_rebinds_to_loopback_never_reaches_it(
    resolver: Callable[[dict[str, list[str]]], Resolver], listener: Listener
) -> None:
    """The review's probe: public to the check, 127.0.0.1 to the connection. Before the fix, the client
    resolved again when it connected and the loopback listener got the TLS hello."""
    dns = resolver({"rebind.test": [PUBLIC, "127.0.0.1"]})
    check_url(f"https://rebind.test:{listener.port}/hook", allow_loopback=False)  # registration passes
    dns.answers["rebind.test"] = [PUBLIC, "127.0.0.1"]
    error = await send(f"https://rebind.test:{listener.port}/hook", allow_loopback=False, deadline=1.5)
    assert error is not None
    assert listener.accepted == 0
    assert dns.calls.count("rebind.test") == 2  # once at registration, once for the connection


async def test_a_name_that_resolves_private_at_connection_is_refused_without_naming_the_address(
    resolver: Callable[[dict[str, list[str]]], Resolver], listener: Listener
) -> None:
    resolver({"inside.test": ["10.1.2.3", "127.0.0.1"]})
    error = await send(f"https://inside.test:{listener.port}/hook", allow_loopback=False)
    assert error == "refused: inside.test resolves to an address that is not a public address"
    assert listener.accepted == 0


async def test_the_tls_hello_names_the_host_not_the_address(
    resolver: Callable[[dict[str, list[str]]], Resolver], listener: Listener
) -> None:
    """Loopback is allowed here (the development setting) so that the pinned connection can be seen."""
    dns = resolver({"hooks.test": ["127.0.0.1"]})
    error = await send(f"https://hooks.test:{listener.port}/hook", allow_loopback=True)
    assert error is not None
    assert error.startswith("ConnectError")
    assert listener.accepted == 1
    assert listener.names == ["hooks.test"]
    assert dns.calls == ["hooks.test"]


async def test_the_host_header_is_the_name(resolver: Callable[[dict[str, list[str]]], Resolver]) -> None:
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    resolver({"hooks.test": ["127.0.0.1"]})
    try:
        assert await send(f"http://hooks.test:{port}/hook", allow_loopback=True) is None
    finally:
        server.shutdown()
        server.server_close()
    assert hosts == [f"hooks.test:{port}"]


async def test_each_address_is_checked_before_any_is_tried() -> None:
    """A name with one public and one private address is refused whole, before any connection."""
    connected: list[str] = []
    backend = egress.PinnedBackend(
        allow_loopback=False,
        resolver=lambda host, port: [ipaddress.ip_address(PUBLIC), ipaddress.ip_address("169.254.169.254")],
    )

    class Recording:
        async def connect_tcp(self, host: str, port: int, **_: Any) -> Any:
            connected.append(host)
            raise AssertionError("no connection may be made")

    backend.network = Recording()  # type: ignore[assignment]
    with pytest.raises(UnsafeUrl, match="not a public address"):
        await backend.connect_tcp("mixed.test", 443)
    assert connected == []


def test_a_refusal_at_registration_does_not_say_where_a_name_points(
    resolver: Callable[[dict[str, list[str]]], Resolver],
) -> None:
    resolver({"metadata.test": ["169.254.169.254"]})
    with pytest.raises(UnsafeUrl) as refused:
        check_url("https://metadata.test/hook", allow_loopback=False)
    assert "169.254" not in str(refused.value)
    assert str(refused.value) == "metadata.test resolves to an address that is not a public address"
