"""The container's start sequence, run as the image runs it: the entrypoint script against a fresh PostgreSQL.

There is no container engine here, so the script runs directly, with the environment the image sets.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tests.helpers.databases import EmptyDatabase
from tests.helpers.deploy import ROOT, entrypoint
from tests.helpers.servers import CuttableProxy, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """The image's environment (Dockerfile ENV), pointed at this database and a free port, with the public
    address a deployment sets (the compose file requires it: canonical URLs never come from Host)."""
    port = extra.get("PORT", "8000")
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "WORKERS": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **extra,
    }


@pytest.fixture
def empty_postgres(postgres_admin: Engine, tmp_path: Path) -> Iterator[str]:
    """A new, empty PostgreSQL database: no tables, no content."""
    databases = EmptyDatabase("postgresql", tmp_path, postgres_admin)
    yield databases.create()
    databases.drop_all()


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts, stopped afterwards."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


def test_entrypoint_waits_for_the_database_then_migrates_seeds_and_serves(
    empty_postgres: str, started: list[subprocess.Popen[bytes]]
) -> None:
    url = make_url(empty_postgres)
    port = free_port()
    with CuttableProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxy.cut()  # the database is not up yet
        through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        process = subprocess.Popen(
            ["sh", str(entrypoint())],  # no command: the image's default, `backpain serve`
            cwd=ROOT,
            env=environment(through_proxy, PORT=str(port), DB_WAIT_SECONDS="60"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        time.sleep(2)
        assert process.poll() is None, "the entrypoint gave up instead of waiting for the database"
        with httpx.Client() as client:
            with pytest.raises(httpx.ConnectError):
                client.get(f"http://127.0.0.1:{port}/healthz")  # nothing serves before the database answers
            proxy.restore()
            deadline = time.monotonic() + 60
            while True:
                try:
                    ready = client.get(f"http://127.0.0.1:{port}/readyz")
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                assert time.monotonic() < deadline, "no 200 from /readyz within 60 s"
                time.sleep(0.2)
            condition = client.get(f"http://127.0.0.1:{port}/v1/conditions/back-spasms")
            assert condition.status_code == 200
            assert condition.json()["name"] == "Back spasms"
            assert len(client.get(f"http://127.0.0.1:{port}/v1/treatments?limit=100").json()["data"]) == 27
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    # uvicorn shuts down cleanly, then exits by the signal it was sent, as a container runtime expects.
    assert process.returncode == -signal.SIGTERM
    assert "Application shutdown complete." in output
    lines = output.splitlines()
    assert lines.index("wait-db: the database answers") < lines.index("seed: 93 items added")


def test_entrypoint_gives_up_when_the_database_never_answers(
    empty_postgres: str, started: list[subprocess.Popen[bytes]]
) -> None:
    with CuttableProxy(("127.0.0.1", 5432)) as proxy:
        proxy.cut()
        nowhere = make_url(empty_postgres).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        finished = subprocess.run(
            ["sh", str(entrypoint())],
            cwd=ROOT,
            env=environment(nowhere, PORT=str(free_port()), DB_WAIT_SECONDS="1"),
            capture_output=True,
            timeout=30,
        )
    assert finished.returncode == 1
    assert b"wait-db: the database did not answer within 1 s (OperationalError)" in finished.stderr


def test_entrypoint_runs_the_command_it_is_given(empty_postgres: str) -> None:
    """What the compose migrate job does: `backpain prepare`, then exit."""
    finished = subprocess.run(
        ["sh", str(entrypoint()), "backpain", "prepare"],
        cwd=ROOT,
        env=environment(empty_postgres, PORT=str(free_port())),
        capture_output=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr.decode()
    assert finished.stderr.decode().splitlines()[-1] == "seed: 93 items added"
