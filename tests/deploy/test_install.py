"""The project installed as the Dockerfile installs it (the locked runtime dependencies, no dev group),
started by the image's entrypoint: it serves, and it delivers a signed webhook."""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.helpers.deploy import ROOT, entrypoint
from tests.helpers.editing import TREATMENT
from tests.helpers.servers import free_port

pytestmark = pytest.mark.slow


def uv() -> str:
    """The uv the Makefile uses: on PATH, or the one it bootstraps into .tools/."""
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "no uv: run `make setup` first"
    return found


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as the image's /app: what the build stage copies, synced with `--no-dev`."""
    app = tmp_path_factory.mktemp("image")
    dockerfile = (ROOT / "Dockerfile").read_text()
    build = dockerfile.split(" AS runtime")[0]
    for sources in re.findall(r"^COPY (?!--)(.+) \S+$", build, re.MULTILINE):
        for source in sources.split():
            origin, target = ROOT / source, app / source
            target.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(origin, target)
    sync = re.search(r"^RUN uv sync (.+--no-dev)$", build, re.MULTILINE)
    assert sync is not None, "the Dockerfile no longer installs with `uv sync ... --no-dev`"
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
    subprocess.run([uv(), "sync", *sync[1].split()], cwd=app, env=env, check=True, capture_output=True, timeout=300)
    (app / "var").mkdir()
    return app


class Receiver(BaseHTTPRequestHandler):
    """Records each POST it is sent and answers 204."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", Receiver.received
    server.shutdown()
    server.server_close()


def test_the_image_has_no_dev_dependencies(image: Path) -> None:
    python = image / ".venv" / "bin" / "python"
    missing = subprocess.run([python, "-c", "import pytest"], capture_output=True, timeout=30)
    assert missing.returncode == 1
    assert b"No module named 'pytest'" in missing.stderr


def test_the_image_serves_and_delivers_a_signed_webhook(
    image: Path, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    hook_url, received = receiver
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{image / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": f"sqlite:///{image / 'var' / 'backpain.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "WORKERS": "1",
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "WEBHOOK_POLL_SECONDS": "0.2",
    }
    env.pop("VIRTUAL_ENV", None)
    log = image / "var" / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(["sh", str(entrypoint())], cwd=image, env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "no 200 from /readyz within 60 s"
                time.sleep(0.2)
            created = subprocess.run(
                ["backpain", "keys", "create", "--name", "hooks", "--scope", "admin", "--scope", "edit"],
                cwd=image,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            auth = {"Authorization": f"Bearer {created.stdout.splitlines()[-1]}"}
            endpoint = client.post(
                "/v1/admin/webhooks", json={"url": hook_url, "events": ["content.published"]}, headers=auth
            )
            assert endpoint.status_code == 201, endpoint.text
            draft = client.post("/v1/admin/treatments", json=TREATMENT, headers=auth)
            assert draft.status_code == 201, draft.text
            published = client.post(
                "/v1/admin/treatments/warm-bath/publish", headers={**auth, "If-Match": draft.headers["etag"]}
            )
            assert published.status_code == 200, published.text
            deadline = time.monotonic() + 20
            while not received:
                assert time.monotonic() < deadline, f"no delivery within 20 s:\n{log.read_text()}"
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    [(headers, body)] = received
    event = Webhook(endpoint.json()["secret"]).verify(body, headers)
    assert event["type"] == "content.published"
    assert event["data"]["slug"] == "warm-bath"
    assert json.loads(body) == event
    assert "ModuleNotFoundError" not in log.read_text()
