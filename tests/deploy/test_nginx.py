"""deploy/nginx.conf.template, rendered as the nginx image renders it and run by Debian's nginx: TLS for the
API's host name only, HTTP that only redirects, no answer for any other name, HSTS and a flood limit.

There is no container engine here, so nginx runs directly, on free ports of this machine, in front of
two small HTTP servers that stand in for the replicas; it resolves upstream names when it loads its
configuration, so the test puts their addresses where the template names api1 and api2.
"""

import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import trustme

from tests.helpers.servers import free_port
from tests.helpers.services import need_service

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
HOST = "api.example.test"


def nginx() -> str:
    """Debian's nginx (`apt-get install nginx`), which CI installs."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        need_service("nginx is not installed (apt-get install nginx)")
    assert found is not None
    return found


def render(folder: Path, *, replicas: list[int], ports: dict[int, int] | None = None, rate: str | None = None) -> Path:
    """The template as the nginx image renders it for HOST (envsubst of ${PUBLIC_HOST}), in a main
    configuration of its own, with this machine's paths: the certificate and the ACME folder under
    `folder`, the replicas on these local ports, each listening port moved as `ports` says, and the
    flood limit's rate replaced when `rate` is given."""
    text = TEMPLATE.read_text().replace("${PUBLIC_HOST}", HOST)
    assert "${" not in text
    if rate is not None:
        text = re.sub(r"(limit_req_zone .* rate=)\S+;", rf"\g<1>{rate};", text)
    names = iter(replicas)
    text = re.sub(r"server api[12]:8000", lambda _: f"server 127.0.0.1:{next(names)}", text)
    text = text.replace("/etc/nginx/tls/", f"{folder}/tls/").replace("/var/www/acme", f"{folder}/acme")
    for port, moved in (ports or {}).items():
        text = re.sub(rf"listen (?:127\.0\.0\.1:)?{port}\b", f"listen 127.0.0.1:{moved}", text)
    (folder / "default.conf").write_text(text)
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    # As root, nginx hands its workers to the `user` directive's user: this one, so they can use `folder`.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};" if os.geteuid() == 0 else ""
    main = folder / "nginx.conf"
    main.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/default.conf;
}}
"""
    )
    return main


@pytest.fixture
def ca(tmp_path: Path) -> trustme.CA:
    """A CA of the test's own, and a certificate from it for HOST where the compose file mounts one."""
    authority = trustme.CA()
    issued = authority.issue_cert(HOST)
    (tmp_path / "tls").mkdir()
    issued.private_key_pem.write_to_path(str(tmp_path / "tls" / "privkey.pem"))
    (tmp_path / "tls" / "fullchain.pem").write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    (tmp_path / "acme" / ".well-known" / "acme-challenge").mkdir(parents=True)
    return authority


def test_nginx_accepts_the_configuration(tmp_path: Path, ca: trustme.CA) -> None:
    main = render(tmp_path, replicas=[8000, 8001])
    checked = subprocess.run(
        [nginx(), "-t", "-e", "stderr", "-p", f"{tmp_path}/", "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_template_balances_over_both_replicas_with_modern_tls_only() -> None:
    template = TEMPLATE.read_text()
    assert re.findall(r"^\s*server (\S+:\d+)", template, re.MULTILINE) == ["api1:8000", "api2:8000"]
    assert re.findall(r"^\s*ssl_protocols (.+);", template, re.MULTILINE) == ["TLSv1.2 TLSv1.3"]
    assert re.findall(r"^\s*server_tokens (\w+);", template, re.MULTILINE) == ["off"]


class Replica(BaseHTTPRequestHandler):
    """Answers every GET with its name and the request it saw, as JSON."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, each answer waits for a delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        body = json.dumps(
            {"replica": self.server.name, "path": self.path, "headers": dict(self.headers.items())}  # type: ignore[attr-defined]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@dataclass
class Proxy:
    """A running nginx: its HTTP, HTTPS and health-check ports, the CA its certificate is from, its folder."""

    http: int
    https: int
    health: int
    ca: trustme.CA
    folder: Path

    def get(self, path: str, *, host: str = HOST, sni: str = HOST) -> httpx.Response:
        """GET over TLS, naming `sni` in the handshake and `host` in the request."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        with httpx.Client(verify=context, timeout=5) as client:
            return client.get(
                f"https://127.0.0.1:{self.https}{path}", headers={"Host": host}, extensions={"sni_hostname": sni}
            )

    def get_plain(self, path: str, *, host: str = HOST, port: int | None = None) -> httpx.Response:
        with httpx.Client(timeout=5) as client:
            return client.get(f"http://127.0.0.1:{port or self.http}{path}", headers={"Host": host})


@pytest.fixture
def rate() -> str | None:
    """The flood limit's rate: the template's own, unless a test sets one."""
    return None


@pytest.fixture
def proxy(tmp_path: Path, ca: trustme.CA, rate: str | None) -> Iterator[Proxy]:
    """nginx with the rendered template on free ports, in front of two replicas."""
    replicas = []
    for name in ("api1", "api2"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Replica)
        server.daemon_threads = True
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        replicas.append(server)
    running = Proxy(http=free_port(), https=free_port(), health=free_port(), ca=ca, folder=tmp_path)
    main = render(
        tmp_path,
        replicas=[server.server_address[1] for server in replicas],
        ports={80: running.http, 443: running.https, 8081: running.health},
        rate=rate,
    )
    command = [nginx(), "-e", "stderr", "-p", f"{tmp_path}/", "-c", str(main)]  # skips before the log is open
    log = (tmp_path / "nginx.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", running.https), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "nginx.log").read_text()
                assert time.monotonic() < deadline, "nginx did not listen within 5 s"
                time.sleep(0.05)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        log.close()
        for server in replicas:
            server.shutdown()
            server.server_close()


def test_the_host_name_is_proxied_over_tls_to_both_replicas(proxy: Proxy) -> None:
    answers = [proxy.get(f"/v1/conditions?n={n}") for n in range(4)]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert sorted(answer.json()["replica"] for answer in answers) == ["api1", "api1", "api2", "api2"]
    first = answers[0]
    assert first.json()["path"] == "/v1/conditions?n=0"
    seen = first.json()["headers"]
    # The client's address replaces any X-Forwarded-For it sent; the API trusts it from nginx alone.
    assert (seen["Host"], seen["X-Forwarded-For"], seen["X-Forwarded-Proto"]) == (HOST, "127.0.0.1", "https")
    assert first.headers["strict-transport-security"] == "max-age=63072000"
    assert first.headers["server"] == "nginx"  # no version


def test_a_forged_forwarded_for_is_replaced(proxy: Proxy) -> None:
    context = ssl.create_default_context()
    proxy.ca.configure_trust(context)
    with httpx.Client(verify=context, timeout=5) as client:
        answer = client.get(
            f"https://127.0.0.1:{proxy.https}/v1/search?q=x",
            headers={"Host": HOST, "X-Forwarded-For": "203.0.113.9"},
            extensions={"sni_hostname": HOST},
        )
    assert answer.json()["headers"]["X-Forwarded-For"] == "127.0.0.1"


def test_any_other_host_name_gets_no_answer(proxy: Proxy) -> None:
    # Another name in the TLS handshake: refused there, so no certificate is shown.
    with pytest.raises(httpx.ConnectError, match="UNRECOGNIZED_NAME"):
        proxy.get("/v1/conditions", host="other.example.test", sni="other.example.test")
    # The right name in the handshake but another in the request, or another name over HTTP: the
    # connection is closed without a response (444).
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        proxy.get("/v1/conditions", host="other.example.test")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        proxy.get_plain("/v1/conditions", host="127.0.0.1")


def test_http_only_redirects_to_https_or_answers_the_acme_challenge(proxy: Proxy) -> None:
    redirected = proxy.get_plain("/v1/search?q=spasm")
    assert redirected.status_code == 301
    assert redirected.headers["location"] == f"https://{HOST}/v1/search?q=spasm"
    token = proxy.folder / "acme" / ".well-known" / "acme-challenge" / "token-1"
    token.write_text("token-1.thumbprint")
    challenge = proxy.get_plain("/.well-known/acme-challenge/token-1")
    assert (challenge.status_code, challenge.text) == (200, "token-1.thumbprint")


def test_metrics_are_not_served_to_the_public(proxy: Proxy) -> None:
    assert proxy.get("/metrics").status_code == 404


def test_the_health_check_reaches_a_replica_from_inside_only(proxy: Proxy) -> None:
    healthy = proxy.get_plain("/healthz", port=proxy.health)
    assert healthy.status_code == 200
    assert healthy.json()["path"] == "/healthz"
    assert proxy.get_plain("/v1/conditions", port=proxy.health).status_code == 404
    listen = re.findall(r"^\s*listen (\S+);", TEMPLATE.read_text(), re.MULTILINE)
    assert "127.0.0.1:8081" in listen  # not reachable through the ports the compose file publishes


# A rate this low refills nothing while the test runs, however slow the machine: the counts are exact.
@pytest.mark.parametrize("rate", ["1r/m"])
def test_a_flood_from_one_address_is_turned_away(proxy: Proxy) -> None:
    burst = int(re.findall(r"limit_req zone=\w+ burst=(\d+) nodelay;", TEMPLATE.read_text())[0])
    context = ssl.create_default_context()
    proxy.ca.configure_trust(context)
    with httpx.Client(verify=context, timeout=5) as client:
        statuses = [
            client.get(
                f"https://127.0.0.1:{proxy.https}/v1/conditions",
                headers={"Host": HOST},
                extensions={"sni_hostname": HOST},
            ).status_code
            for _ in range(burst * 2)
        ]
    # The burst passes at once; past it, requests get 429 until the rate refills.
    assert statuses == [200] * (burst + 1) + [429] * (burst - 1)
