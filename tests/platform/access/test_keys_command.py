"""`backpain keys create` run as an operator runs it, in a process of its own: the new key alone on its
last line, stored hashed with its scopes, origins and limit."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.core.db import make_engine
from app.platform.access.models import ApiKey

pytestmark = pytest.mark.slow

BACKPAIN = str(Path(sys.executable).with_name("backpain"))  # the console script, as an operator runs it


def test_cli_prints_the_new_key_alone_on_its_last_line(fresh_url: str) -> None:
    result = subprocess.run(
        [
            BACKPAIN,
            "keys",
            "create",
            "--name",
            "first-admin",
            "--scope",
            "admin",
            "--scope",
            "edit",
            "--origin",
            "https://Clinic.example/",
            "--rate-limit",
            "600",
        ],
        env={**os.environ, "DATABASE_URL": fresh_url},
        capture_output=True,
        text=True,
        check=True,
    )
    key = result.stdout.splitlines()[-1]
    assert key.startswith("bpk_")
    assert len(key) >= 4 + 43  # 32 random bytes, URL-safe base64
    engine = make_engine(fresh_url)
    with Session(engine) as session:
        row = session.exec(select(ApiKey)).one()
    engine.dispose()
    assert (row.name, row.scopes, row.allowed_origins, row.rate_limit_per_minute) == (
        "first-admin",
        ["admin", "edit"],
        ["https://clinic.example"],
        600,
    )
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:12]
