"""The app's own cost per request, without a server or a network: `python -m bench.inprocess`.

Drives the ASGI app in-process with a condition detail GET and a complete self-care triage POST, and
prints the median time per request over 5 batches; `--profile` prints where a triage POST spends it
(cProfile, which slows everything down about 2.5 times, so read it for proportions).
"""

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from app.core.config import Settings
from app.main import create_app
from tests.helpers.answers import answers
from tests.helpers.apps import api_of
from tests.helpers.databases import migrate_and_seed

BODY = orjson.dumps({"answers": answers(started_after_strain=True)})


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


DETAIL = _scope("GET", "/v1/conditions/back-spasms", [(b"accept-encoding", b"identity")])
TRIAGE = _scope(
    "POST",
    "/v1/triage",
    [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
)


async def _calls(app: Any, scope: dict[str, Any], count: int) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message

    for _ in range(count):
        await app(dict(scope), receive, send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000, help="requests per batch")
    parser.add_argument("--profile", action="store_true", help="also profile triage POSTs with cProfile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp, 'bench.db')}"
        migrate_and_seed(url)
        app = create_app(Settings(database_url=url, rate_limit_anonymous_per_minute=10**9))
        api_of(app).state.services.snapshots.refresh()
        for name, scope in (("condition detail GET", DETAIL), ("triage POST", TRIAGE)):
            asyncio.run(_calls(app, scope, 500))  # warm up
            batches = []
            for _ in range(5):
                started = time.perf_counter()
                asyncio.run(_calls(app, scope, args.requests))
                batches.append((time.perf_counter() - started) / args.requests * 1e6)
            print(f"{name}: {statistics.median(batches):.1f} µs per request (median of 5 batches of {args.requests})")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            asyncio.run(_calls(app, TRIAGE, args.requests))
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
