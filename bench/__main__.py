"""Run with `make bench` (add `--items 10000` for a large content set)."""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis
from alembic import command
from sqlmodel import Session

from app.content.models import Item, ItemLink, ItemType
from app.content.service import bump_content_version
from app.core.db import alembic_config, make_engine
from app.serving.snapshot import SnapshotStore
from bench.load import Result, run_load
from seed.loader import item_id, load_seed
from tests.helpers.answers import answers
from tests.helpers.keys import make_key
from tests.helpers.servers import free_port

DETAIL = "/v1/conditions/back-spasms"
LIST = "/v1/treatments"
TRIAGE = "/v1/triage"
SELF_CARE = orjson.dumps({"answers": answers(started_after_strain=True)})
JSON = {"Content-Type": "application/json"}
BARE = "bench.bare:app"
PLAIN = "bench.plain:app"


def prepare_db(path: Path, items: int) -> str:
    """Migrate and seed a SQLite file, plus `items` synthetic items on their own condition."""
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine) as session:
        load_seed(session=session)
        if items:
            now = datetime.now(UTC)
            dates: dict[str, Any] = {
                "last_reviewed": now.date(),
                "next_review_due": now.date(),
                "updated_at": now,
            }
            condition = Item(
                id=uuid.uuid4(),
                type="condition",
                slug="zz-synthetic",
                name="Synthetic",
                summary="Synthetic condition.",
                **dates,
            )
            session.add(condition)
            kinds = [ItemType.cause, ItemType.symptom, ItemType.treatment]
            for n in range(items):
                kind = kinds[n % 3]
                slug = f"zz-synthetic-{n:06d}"
                extra = (
                    {"category": "activity"}
                    if kind == ItemType.cause
                    else (
                        {"red_flag": False}
                        if kind == ItemType.symptom
                        else {"category": "self_care", "when_to_use": "Any time.", "cautions": "None known."}
                    )
                )
                session.add(
                    Item(
                        id=item_id(kind, slug),
                        type=kind.value,
                        slug=slug,
                        name=f"Synthetic {n}",
                        summary="A synthetic item for benchmarking. " * 2,
                        body="Body text. " * 40,
                        citations=[{"source": "renova-back-spasms", "locator": "Introduction"}],
                        **dates,
                        **extra,
                    )
                )
                session.add(ItemLink(condition_id=condition.id, item_id=item_id(kind, slug)))
            bump_content_version(session=session)
            session.commit()
    engine.dispose()
    return url


def snapshot_build_seconds(url: str) -> float:
    """Median time to load and serialise the published content and the triage ruleset, as a worker does."""
    engine = make_engine(url)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        assert SnapshotStore(engine, cache_control=b"public, max-age=300").refresh()
        times.append(time.perf_counter() - start)
    engine.dispose()
    return statistics.median(times)


@contextmanager
def server(target: str, env: dict[str, str], cwd: Path | None = None) -> Iterator[tuple[int, int]]:
    """One uvicorn worker serving target (from the checkout at cwd, else this one); yields (port, pid)."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=cwd)
    try:
        for _ in range(200):
            try:
                if (
                    httpx.get(
                        f"http://127.0.0.1:{port}/healthz" if target != BARE else f"http://127.0.0.1:{port}{DETAIL}"
                    ).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


IDENTITY = {"Accept-Encoding": "identity"}


@dataclass(frozen=True)
class Case:
    """One measured request; `keyed` sends the bench's API key."""

    name: str
    path: str
    status: int
    body: bytes | None = None
    keyed: bool = False


def check(case: Case, port: int, headers: dict[str, str]) -> None:
    """The server answers the case as expected before it is measured."""
    url = f"http://127.0.0.1:{port}{case.path}"
    if case.body is not None:
        got = httpx.post(url, content=case.body, headers=headers)
        assert got.json().get("level", "self_care") == "self_care", got.text
    else:
        got = httpx.get(url, headers={**IDENTITY, **headers})
    assert got.status_code == case.status, (case, got.status_code)
    if case.keyed and "ratelimit-policy" in got.headers:  # counted against the key, not the address
        assert got.headers["ratelimit-policy"].startswith('"key"'), got.headers


def etag_of(port: int) -> str:
    """The ETag a client without gzip holds for the condition detail."""
    return httpx.get(f"http://127.0.0.1:{port}{DETAIL}", headers=IDENTITY).headers["etag"]


def capture(port: int, etag: str, key: str) -> list[dict[str, object]]:
    """The API's exact responses, for the bare app to replay."""
    out = []
    for path, inm, keyed in (
        (DETAIL, "", False),
        (LIST, "", False),
        (DETAIL, etag, False),
        (TRIAGE, "", False),
        (DETAIL, "", True),
    ):
        headers = {
            **IDENTITY,
            **({"If-None-Match": inm} if inm else {}),
            **({"Authorization": f"Bearer {key}"} if keyed else {}),
        }
        if path == TRIAGE:
            response = httpx.post(f"http://127.0.0.1:{port}{path}", content=SELF_CARE, headers={**headers, **JSON})
        else:
            response = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers)
        kept = [(k, v) for k, v in response.headers.items() if k not in ("date", "server")]
        out.append(
            {
                "path": path,
                "if_none_match": inm,
                "keyed": keyed,
                "status": response.status_code,
                "headers": kept,
                "body": response.text,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=0, help="also serve N synthetic items and compare")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; medians are reported")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis for the shared-counter server")
    parser.add_argument("--plain", action="store_true", help="also measure plain counting (a store call a request)")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also serve the API from this checkout (say a git worktree of the last release), in the same rounds",
    )
    args = parser.parse_args()
    redis_url = args.redis if redis_available(args.redis) else None
    if redis_url is None:
        print(f"Redis is not reachable at {args.redis}: the shared-counter servers are left out")

    with tempfile.TemporaryDirectory() as tmp:
        urls = {"api": prepare_db(Path(tmp, "seed.db"), 0)}
        if args.items:
            urls[f"api+{args.items}"] = prepare_db(Path(tmp, "big.db"), args.items)
        for name, url in urls.items():
            print(f"snapshot build ({name}): {snapshot_build_seconds(url) * 1000:.0f} ms (median of 3)")

        # One key per database, its limit too high to refuse: a keyed call's cost is measured too.
        made = {url: make_key(url, "read", name="bench", rate_limit_per_minute=10**9) for url in set(urls.values())}
        with servers(urls, tmp, redis_url, made[urls["api"]], plain=args.plain, baseline=args.baseline) as (
            ports,
            pids,
        ):
            names = list(ports)
            keys = {name: made[urls.get(name, urls["api"])] for name in names}
            cases = [
                Case("condition detail", DETAIL, 200),
                Case("treatments list", LIST, 200),
                Case("304 revalidation", DETAIL, 304),
                Case("triage POST", TRIAGE, 200, SELF_CARE),
                Case("detail, with key", DETAIL, 200, keyed=True),
            ]
            conditional = {name: {"If-None-Match": etag_of(ports[name])} for name in names}

            def headers_of(case: Case, name: str) -> dict[str, str]:
                if case.keyed:
                    return {"Authorization": f"Bearer {keys[name]}"}
                return conditional[name] if case.status == 304 else JSON if case.body else {}

            def measure(case: Case, name: str, seconds: float) -> Result:
                return run_load(ports[name], case.path, headers_of(case, name), seconds, case.body)

            for case in cases:  # check what is measured, then warm up
                for name in names:
                    check(case, ports[name], headers_of(case, name))
                    measure(case, name, 1)
            results: dict[tuple[str, str], list[Result]] = {}
            for round_no in range(args.rounds):
                order = names if round_no % 2 == 0 else names[::-1]
                for case in cases:
                    for name in order:
                        results.setdefault((case.name, name), []).append(measure(case, name, args.seconds))
            report(cases, names, results, pids)
        at_defaults(urls["api"], redis_url, args.seconds)


def at_defaults(url: str, redis_url: str | None, seconds: float) -> None:
    """Sustained load at the default limits, anonymous and with an origin-locked key: every request is
    answered (200 within the limit, 429 past it) and /healthz still answers."""
    origin = "https://clinic.example"
    locked = make_key(url, "read", allowed_origins=[origin])
    callers = {"anonymous": {}, "origin-locked key": {"Authorization": f"Bearer {locked}", "Origin": origin}}
    stores = {"memory": {}, **({"redis": {"REDIS_URL": redis_url}} if redis_url else {})}
    print("\nat the default limits (32 connections):")
    for store, env in stores.items():
        with server("app.main:app", {"DATABASE_URL": url, **env}) as (port, _):
            for caller, headers in callers.items():
                seen = asyncio.run(_sustained(port, headers, seconds))
                refused = run_load(port, DETAIL, headers, seconds)  # past the limit by now: 429s
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
                counts = ", ".join(f"{n} x {status}" for status, n in sorted(seen.items()))
                print(
                    f"  {store:<7} {caller:<18} {counts}; then {refused.rps:.0f} req/s"
                    f" (p99 {refused.p99_ms:.1f} ms); /healthz {health}"
                )


async def _sustained(port: int, headers: dict[str, str], seconds: float) -> Counter[str]:
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5, headers=headers) as client:

        async def connection() -> None:
            while time.monotonic() < deadline:
                try:
                    seen[str((await client.get(DETAIL)).status_code)] += 1
                except httpx.TimeoutException:
                    seen["unanswered"] += 1

        await asyncio.gather(*(connection() for _ in range(32)))
    return seen


# Limits are counted on every request but set too high to refuse any: the cost of counting is measured.
COUNTED = {"RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000000"}


def redis_available(url: str) -> bool:
    """True when Redis answers, so the shared-counter server can be measured too."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@contextmanager
def servers(
    urls: dict[str, str],
    tmp: str,
    redis_url: str | None,
    key: str,
    *,
    plain: bool = False,
    baseline: Path | None = None,
) -> Iterator[tuple[dict[str, int], dict[str, int]]]:
    """Start every API server, capture its bytes (keyed ones with `key`), then start the bare baseline."""
    configs = {
        "api": {"DATABASE_URL": urls["api"], **COUNTED},
        "no limits": {"DATABASE_URL": urls["api"], "RATE_LIMIT_ENABLED": "false"},
    }
    if baseline is not None:
        configs["baseline"] = {"DATABASE_URL": urls["api"], **COUNTED}
    if plain:
        configs["plain memory"] = {"DATABASE_URL": urls["api"], **COUNTED}
    if redis_url is not None:
        configs["redis limits"] = {"DATABASE_URL": urls["api"], "REDIS_URL": redis_url, **COUNTED}
        if plain:
            configs["plain redis"] = {"DATABASE_URL": urls["api"], "REDIS_URL": redis_url, **COUNTED}
    for name, url in urls.items():
        if name != "api":
            configs[name] = {"DATABASE_URL": url, **COUNTED}
    ports: dict[str, int] = {}
    pids: dict[str, int] = {}
    with ExitStack() as stack:
        for name, env in configs.items():
            target = PLAIN if name.startswith("plain") else "app.main:app"
            cwd = baseline if name == "baseline" else None
            ports[name], pids[name] = stack.enter_context(server(target, env, cwd))
        capture_file = Path(tmp, "capture.json")
        capture_file.write_text(json.dumps(capture(ports["api"], etag_of(ports["api"]), key)))
        ports["bare"], pids["bare"] = stack.enter_context(server(BARE, {"BENCH_CAPTURE": str(capture_file)}))
        yield ports, pids


def report(
    cases: list[Case],
    names: list[str],
    results: dict[tuple[str, str], list[Result]],
    pids: dict[str, int],
) -> None:
    print(f"\n{'path':<18} {'server':<12} {'req/s':>9} {'p99 ms':>8} {'vs bare':>8}")
    for case in cases:
        bare = statistics.median(r.rps for r in results[(case.name, "bare")])
        for name in names:
            runs = results[(case.name, name)]
            rps = statistics.median(r.rps for r in runs)
            p99 = statistics.median(r.p99_ms for r in runs)
            print(f"{case.name:<18} {name:<12} {rps:>9.0f} {p99:>8.2f} {rps / bare:>8.2f}")
    print()
    for name, pid in pids.items():
        print(f"peak RSS ({name}): {peak_rss_mb(pid):.1f} MB")


if __name__ == "__main__":
    main()
