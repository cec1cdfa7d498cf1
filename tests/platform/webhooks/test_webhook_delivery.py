"""Webhook delivery under receivers that misbehave: huge or trickled answers, slow endpoints beside healthy
ones, two workers and a lapsed lease, a bad row, a write during an attempt, and what the log says."""

import asyncio
import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, suppress
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.db import make_engine
from app.platform.editing.feed_records import record_ruleset
from app.platform.webhooks.endpoints import backlog
from app.platform.webhooks.models import WebhookEndpoint
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
Answer = Callable[[BaseHTTPRequestHandler], None]


def acknowledge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(204)
    handler.end_headers()


class Receiver:
    """A loopback HTTP server: each POST is read whole, its path and `webhook-id` recorded, and then
    `answer` writes the response (a 204 unless a test says otherwise), in a thread per request."""

    def __init__(self, answer: Answer) -> None:
        self.received: list[tuple[str, str]] = []  # (path, webhook-id), in the order they arrived
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append((self.path, self.headers["webhook-id"]))
                with suppress(OSError):  # the client hung up
                    answer(self)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.received]

    def ids(self) -> list[str]:
        with self.lock:
            return [message_id for _, message_id in self.received]


@contextmanager
def receiving(answer: Answer = acknowledge) -> Iterator[Receiver]:
    receiver = Receiver(answer)
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def add_endpoint(db: str, url: str, *, number: int, secret: str | None = None) -> uuid.UUID:
    """An endpoint row written directly (so that its id, and so the order of endpoints, is the test's)."""
    endpoint_id = uuid.UUID(int=number)
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            session.add(
                WebhookEndpoint(
                    id=endpoint_id,
                    url=url,
                    events=["ruleset.published"],
                    secret=secret or "whsec_" + base64.b64encode(b"k" * 24).decode(),
                    created_at=datetime.now(UTC),
                )
            )
            session.commit()
    finally:
        engine.dispose()
    return endpoint_id


def announce(db: str, version: int) -> None:
    """A new ruleset: one event for every endpoint."""
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            record_ruleset(session, version=version, at=datetime.now(UTC))
            session.commit()
    finally:
        engine.dispose()


def endpoint(db: str, endpoint_id: uuid.UUID) -> tuple[WebhookEndpoint, int, str | None]:
    """The endpoint's row, how many events wait for it, and the last error of the oldest."""
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            row = session.get(WebhookEndpoint, endpoint_id)
            assert row is not None
            pending, last_error = backlog(session=session, endpoint_id=endpoint_id)
            session.expunge(row)
            return row, pending, last_error
    finally:
        engine.dispose()


async def until(done: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.02)


def working(db: str, **settings: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """The served app with its delivery worker polling often, allowed to call this machine."""
    return serve(db, webhooks_allow_loopback=True, webhook_poll_seconds=0.05, **settings)


async def test_a_huge_answer_is_not_read(fresh_url: str) -> None:
    """400 MiB offered after a 200: the worker reads a few KiB, hangs up, and counts the delivery."""
    size = 400 * MiB
    sent = [0]
    hung_up = threading.Event()

    def flood(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk = b"x" * (64 * 1024)
        try:
            while sent[0] < size:
                handler.wfile.write(chunk)
                sent[0] += len(chunk)
        finally:
            hung_up.set()

    with receiving(flood) as receiver:
        hook = add_endpoint(fresh_url, receiver.base + "/flood", number=1)
        announce(fresh_url, 7)
        async with working(fresh_url):
            await until(hung_up.is_set, 5, "the worker hangs up")
            await until(lambda: endpoint(fresh_url, hook)[1] == 0, 3, "the delivery is recorded")
    assert sent[0] < 64 * MiB  # what the sockets' buffers held, not the 400 MiB
    row, _, _ = endpoint(fresh_url, hook)
    assert row.failures == 0


async def test_a_trickled_answer_is_cut_at_the_deadline(fresh_url: str) -> None:
    """One byte every quarter second never trips a per-read timeout; the attempt's total deadline cuts it."""
    started: list[float] = []
    hung_up: list[float] = []

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        started.append(time.monotonic())
        answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 20 + b"\r\nContent-Length: 0\r\n\r\n"  # 6 s of it
        try:
            for byte in answer[:24]:
                handler.wfile.write(bytes([byte]))
                time.sleep(0.25)
        except OSError:
            hung_up.append(time.monotonic())
            raise

    with receiving(trickle) as receiver:
        hook = add_endpoint(fresh_url, receiver.base + "/slow", number=1)
        announce(fresh_url, 7)
        async with working(fresh_url, webhook_timeout_seconds=1.0):
            await until(lambda: bool(hung_up), 3, "the worker hangs up on a trickle")
            await until(lambda: endpoint(fresh_url, hook)[0].failures == 1, 2, "the attempt counts as failed")
    assert hung_up[0] - started[0] < 2.0  # the deadline (1 s), and a quarter second to notice
    _, pending, last_error = endpoint(fresh_url, hook)
    assert pending == 1
    assert last_error == "no answer within 1 s"


async def test_a_slow_endpoint_does_not_hold_up_a_healthy_one(fresh_url: str) -> None:
    release = threading.Event()

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if handler.path == "/slow":
            release.wait(5)
        acknowledge(handler)

    with receiving(answer) as receiver:
        try:
            add_endpoint(fresh_url, receiver.base + "/slow", number=1)  # first in every order
            add_endpoint(fresh_url, receiver.base + "/healthy", number=2)
            announce(fresh_url, 7)
            async with working(fresh_url):
                await until(lambda: receiver.paths().count("/healthy") == 1, 2, "the healthy one gets its event")
                announce(fresh_url, 8)  # while the slow one still holds the first
                await until(lambda: receiver.paths().count("/healthy") == 2, 2, "and the next one")
                assert receiver.paths().count("/slow") == 1
                release.set()
                await until(lambda: receiver.paths().count("/slow") == 2, 3, "the slow one gets both, in turn")
        finally:
            release.set()
    slow = [message for path, message in receiver.received if path == "/slow"]
    healthy = [message for path, message in receiver.received if path == "/healthy"]
    assert slow == healthy  # the same two events, in the same order


async def test_at_most_eight_endpoints_at_once(fresh_url: str) -> None:
    lock = threading.Lock()
    in_flight = [0]
    peak = [0]

    def answer(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        deadline = time.monotonic() + 2.0
        while in_flight[0] < 8 and time.monotonic() < deadline:  # hold until eight are open together
            time.sleep(0.01)
        time.sleep(0.1)
        with lock:
            in_flight[0] -= 1
        acknowledge(handler)

    with receiving(answer) as receiver:
        for number in range(1, 11):
            add_endpoint(fresh_url, f"{receiver.base}/{number}", number=number)
        announce(fresh_url, 7)
        async with working(fresh_url):
            await until(lambda: len(receiver.paths()) == 10, 6, "all ten get the event")
    assert sorted(receiver.paths()) == sorted(f"/{number}" for number in range(1, 11))
    assert peak[0] == 8


def lease_of(db: str, endpoint_id: uuid.UUID) -> datetime | None:
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            value = session.exec(
                select(WebhookEndpoint.lease_until).where(col(WebhookEndpoint.id) == endpoint_id)
            ).one()
    finally:
        engine.dispose()
    return None if value is None else value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_the_lease_outlasts_each_attempt(fresh_url: str) -> None:
    """At the longest timeout (60 s), each attempt starts with the endpoint held for well past its deadline."""
    remaining: list[float] = []
    hook: list[uuid.UUID] = []

    def answer(handler: BaseHTTPRequestHandler) -> None:
        until_ = lease_of(fresh_url, hook[0])
        remaining.append((until_ - datetime.now(UTC)).total_seconds() if until_ else 0.0)
        acknowledge(handler)

    with receiving(answer) as receiver:
        hook.append(add_endpoint(fresh_url, receiver.base + "/hooks", number=1))
        announce(fresh_url, 7)
        announce(fresh_url, 8)
        async with working(fresh_url, webhook_timeout_seconds=60):
            await until(lambda: len(remaining) == 2, 3, "both events are delivered")
    assert all(seconds > 60 + 30 for seconds in remaining), remaining


async def test_a_worker_whose_lease_lapsed_leaves_the_endpoint_to_the_next(fresh_url: str) -> None:
    """Worker A's attempt is still open when its lease lapses and worker B takes the endpoint and sends the
    same event (at least once). When A hears back it records nothing and sends nothing more: B goes on."""
    a_open, b_open, b_may_answer = threading.Event(), threading.Event(), threading.Event()
    hook: list[uuid.UUID] = []

    def lapse() -> None:
        engine = make_engine(fresh_url)
        try:
            with Session(engine) as session:
                session.execute(
                    update(WebhookEndpoint)
                    .where(col(WebhookEndpoint.id) == hook[0])
                    .values(lease_until=datetime(2000, 1, 1, tzinfo=UTC))
                )
                session.commit()
        finally:
            engine.dispose()

    def answer(handler: BaseHTTPRequestHandler) -> None:
        calls = len(receiver.received)
        if calls == 1:  # worker A, first event: as if the clock ran past its lease
            lapse()
            a_open.set()
            b_open.wait(5)
        elif calls == 2:  # worker B, the same event
            b_open.set()
            b_may_answer.wait(5)
        acknowledge(handler)

    with receiving(answer) as receiver:
        try:
            hook.append(add_endpoint(fresh_url, receiver.base + "/hooks", number=1))
            announce(fresh_url, 7)
            announce(fresh_url, 8)
            async with working(fresh_url):
                await until(a_open.is_set, 3, "worker A sends the first event")
                async with working(fresh_url):
                    await until(b_open.is_set, 3, "worker B takes over the lapsed endpoint")
                    await asyncio.sleep(0.5)  # A has its answer now
                    assert len(receiver.received) == 2  # A sent nothing more
                    assert lease_of(fresh_url, hook[0]) is not None  # and left B's lease alone
                    b_may_answer.set()
                    await until(lambda: endpoint(fresh_url, hook[0])[1] == 0, 3, "B delivers the rest")
                    await until(lambda: lease_of(fresh_url, hook[0]) is None, 3, "B lets the endpoint go")
        finally:
            b_open.set()
            b_may_answer.set()
    first, second = receiver.ids()[0], receiver.ids()[2]
    assert receiver.ids() == [first, first, second]


async def test_a_bad_row_fails_alone_and_is_disabled(fresh_url: str) -> None:
    """A URL with a control character, written before registration checked it: the others still get their
    events, and it counts as failed until it is disabled."""
    with receiving() as receiver:
        bad = add_endpoint(fresh_url, "http://127.0.0.1:9/ok\u0001", number=1)
        good = add_endpoint(fresh_url, receiver.base + "/good", number=2)
        announce(fresh_url, 7)
        async with working(fresh_url, webhook_max_failures=1):
            await until(lambda: receiver.paths() == ["/good"], 3, "the good endpoint gets its event")
            # Received is not yet recorded: the worker records the answer after the receiver has it.
            await until(lambda: endpoint(fresh_url, good)[1] == 0, 3, "the good delivery is recorded")
            await until(lambda: endpoint(fresh_url, bad)[0].disabled_at is not None, 3, "the bad one is disabled")
    row, pending, _ = endpoint(fresh_url, bad)
    assert pending == 1
    assert row.disabled_reason is not None
    assert row.disabled_reason.startswith("1 attempts in a row failed; the last: refused: ")
    assert endpoint(fresh_url, good)[1] == 0


async def test_a_write_during_an_attempt_does_not_resend(fresh_url: str) -> None:
    """Another writer commits while the receiver answers; the acknowledged event is recorded, once."""
    hook: list[uuid.UUID] = []

    def answer(handler: BaseHTTPRequestHandler) -> None:
        engine = make_engine(fresh_url)
        try:
            with Session(engine) as session:
                session.execute(
                    update(WebhookEndpoint).where(col(WebhookEndpoint.id) == hook[0]).values(description="touched")
                )
                session.commit()
        finally:
            engine.dispose()
        acknowledge(handler)

    with receiving(answer) as receiver:
        hook.append(add_endpoint(fresh_url, receiver.base + "/hooks", number=1))
        announce(fresh_url, 7)
        async with working(fresh_url):
            await until(lambda: endpoint(fresh_url, hook[0])[1] == 0, 3, "the delivery is recorded")
            await asyncio.sleep(0.3)  # a few more polls
    assert len(receiver.received) == 1
    row, _, _ = endpoint(fresh_url, hook[0])
    assert (row.description, row.failures) == ("touched", 0)


async def test_an_unexpected_error_is_logged_as_that_delivery_failing(
    fresh_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A secret that is not base64 makes signing raise: that delivery fails, by name, and the rest go on."""
    caplog.set_level(logging.INFO)
    with receiving() as receiver:
        broken = add_endpoint(fresh_url, receiver.base + "/broken", number=1, secret="whsec_***not base64")
        add_endpoint(fresh_url, receiver.base + "/good", number=2)
        announce(fresh_url, 424242)
        async with working(fresh_url):
            await until(lambda: receiver.paths() == ["/good"], 3, "the good endpoint gets its event")
            await until(lambda: endpoint(fresh_url, broken)[0].failures >= 1, 3, "the broken one counts a failure")
    messages = [record.getMessage() for record in caplog.records]
    assert not [message for message in messages if "paused" in message]
    failed = [message for message in messages if "failed" in message and str(broken) in message]
    assert failed
    assert all("binascii.Error" in message for message in failed)
    assert not [message for message in messages if "424242" in message]  # never the payload
    assert endpoint(fresh_url, broken)[2] == "unexpected error: binascii.Error"
