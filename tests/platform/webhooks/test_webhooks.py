"""Change webhooks: registration and its URL checks, Standard Webhooks signatures, the outbox delivered at
least once and in order, retries, disabling after failures, and a delivery that survives a restart."""

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select
from standardwebhooks.webhooks import Webhook

from app.core.db import make_engine
from app.platform.editing.feed_records import record_ruleset
from app.platform.webhooks import egress
from app.platform.webhooks.delivery import retry_delay, signature
from app.platform.webhooks.endpoints import create_endpoint
from app.platform.webhooks.models import WebhookDelivery
from app.platform.webhooks.urls import UnsafeUrl, check_url
from app.platform.webhooks.worker import deliver_due
from tests.helpers.apps import serve
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio

EVERYTHING = ["content.published", "content.unpublished", "content.deleted", "ruleset.published"]


class Receiver:
    """An HTTP receiver on loopback that records what it is sent; it fails the next `failing` calls."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failing = 0
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.failing > 0:
                    receiver.failing -= 1
                    self.send_response(503)
                else:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


async def deliver(url: str, **options: Any) -> int:
    """One pass of the delivery worker, with retries due at once unless a test says otherwise. The tests
    that deliver by hand keep the served app's own worker quiet (it polls every 300 s)."""
    engine = make_engine(url)
    options = {"first_retry": 0.0, "allow_loopback": True, "deadline": 5.0, **options}
    try:
        async with egress.client(timeout=5, allow_loopback=options["allow_loopback"]) as client:
            return await deliver_due(engine, client=lambda: client, max_failures=5, **options)
    finally:
        engine.dispose()


async def register(client: httpx.AsyncClient, admin: str, url: str, events: list[str] = EVERYTHING) -> Any:
    response = await client.post("/v1/admin/webhooks", json={"url": url, "events": events}, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return response.json()


async def publish(client: httpx.AsyncClient, editor: str, path: str, changes: dict[str, Any]) -> None:
    url = f"/v1/admin/{path}"
    etag = (await client.get(url, headers=bearer(editor))).headers["etag"]
    patched = await client.patch(url, json=changes, headers={**bearer(editor), "If-Match": etag})
    assert patched.status_code == 200, patched.text
    published = await client.post(f"{url}/publish", headers={**bearer(editor), "If-Match": patched.headers["etag"]})
    assert published.status_code == 200, published.text


def verified(secret: str, headers: dict[str, str], body: bytes) -> Any:
    """The payload, once the Standard Webhooks library has verified its signature and timestamp."""
    return Webhook(secret).verify(body, headers)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/hook", "https"),
        ("https://10.0.0.7/hook", "not a public address"),
        ("https://192.168.1.1/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),  # cloud metadata
        ("https://[fd00::1]/hook", "not a public address"),
        ("https://[::ffff:127.0.0.1]/hook", "not a public address"),  # loopback, written as IPv6
        ("https://127.0.0.1/hook", "not a public address"),
        ("https://localhost/hook", "not a public address"),
        ("https://user:secret@example.com/hook", "user name or password"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
        # IPv6 forms that reach a private IPv4 address, and two that are not global unicast.
        ("https://[64:ff9b::7f00:1]/hook", "not a public address"),  # NAT64 of 127.0.0.1
        ("https://[64:ff9b::a9fe:a9fe]/hook", "not a public address"),  # NAT64 of 169.254.169.254
        ("https://[64:ff9b::10.0.0.1]/hook", "not a public address"),  # NAT64, dotted
        ("https://[64:ff9b:1::a00:1]/hook", "not a public address"),  # local-use NAT64 (RFC 8215)
        ("https://[2002:7f00:1::]/hook", "not a public address"),  # 6to4 of 127.0.0.1
        ("https://[::127.0.0.1]/hook", "not a public address"),  # IPv4-compatible
        ("https://[::ffff:0:7f00:1]/hook", "not a public address"),  # IPv4-translated
        ("https://[::ffff:0:a9fe:a9fe]/hook", "not a public address"),  # IPv4-translated metadata
        ("https://[fec0::1]/hook", "not a public address"),  # site-local
        ("https://192.0.0.8/hook", "not a public address"),  # IETF protocol assignments
        ("https://[2001::1]/hook", "not a public address"),  # Teredo
        ("https://[2001:db8::1]/hook", "not a public address"),  # documentation
        ("https://100.64.0.1/hook", "not a public address"),  # shared address space
        ("https://198.18.0.1/hook", "not a public address"),  # benchmarking
        ("https://[ff02::1]/hook", "not a public address"),  # multicast
    ],
)
def test_only_public_https_urls(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        check_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/hook",
        "https://[2001:4860:4860::8888]/hook",
        "https://[64:ff9b::8.8.8.8]/hook",  # NAT64 of a public address: what DNS64 answers
        "https://[2002:808:808::1]/hook",  # 6to4 of a public address
        "https://[::ffff:8.8.8.8]/hook",  # IPv4-mapped public address
    ],
)
def test_public_addresses_in_every_form_pass(url: str) -> None:
    check_url(url, allow_loopback=False)


def test_loopback_only_behind_the_development_setting() -> None:
    check_url("http://127.0.0.1:8080/hook", allow_loopback=True)
    check_url("https://8.8.8.8/hook", allow_loopback=False)  # a public address, written as one
    with pytest.raises(UnsafeUrl):
        check_url("http://10.0.0.7/hook", allow_loopback=True)


async def test_registration_list_rotation_and_deletion(fresh_url: str, key_for: Callable[..., str]) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url) as client:
        refused = await client.post(
            "/v1/admin/webhooks",
            json={"url": "https://10.1.2.3/x", "events": ["content.published"]},
            headers=bearer(admin),
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["loc"] == ["body", "url"]
        loopback = await client.post(
            "/v1/admin/webhooks",
            json={"url": "http://127.0.0.1:9/x", "events": ["content.published"]},
            headers=bearer(admin),
        )
        assert loopback.status_code == 422  # the development setting is off
        twice = {"url": "https://example.com/x", "events": ["content.published", "content.published"]}
        assert (await client.post("/v1/admin/webhooks", json=twice, headers=bearer(admin))).status_code == 422
        body = {"url": "https://8.8.8.8/hooks", "events": ["content.published"]}
        assert (await client.post("/v1/admin/webhooks", json=body, headers=bearer(editor))).status_code == 403
        created = await register(client, admin, "https://8.8.8.8/hooks", ["content.published"])
        assert created["secret"].startswith("whsec_")
        assert created["pending"] == 0
        assert created["disabled_at"] is None
        listed = (await client.get("/v1/admin/webhooks", headers=bearer(admin))).json()
        assert [hook["id"] for hook in listed["data"]] == [created["id"]]
        assert "secret" not in listed["data"][0]
        rotated = (await client.post(f"/v1/admin/webhooks/{created['id']}/rotate-secret", headers=bearer(admin))).json()
        assert rotated["secret"].startswith("whsec_")
        assert rotated["secret"] != created["secret"]
        deleted = await client.delete(f"/v1/admin/webhooks/{created['id']}", headers=bearer(admin))
        assert deleted.status_code == 204
        gone = await client.get(f"/v1/admin/webhooks/{created['id']}", headers=bearer(admin))
        assert gone.status_code == 404
        assert gone.headers["content-type"] == "application/problem+json"


async def test_webhook_changes_are_in_the_audit_log_with_the_key_that_made_them(
    fresh_url: str, key_for: Callable[..., str]
) -> None:
    admin = key_for("admin", name="ops")
    async with serve(fresh_url) as client:
        hook = await register(client, admin, "https://8.8.8.8/hooks")
        path = f"/v1/admin/webhooks/{hook['id']}"
        assert (await client.post(f"{path}/rotate-secret", headers=bearer(admin))).status_code == 200
        assert (await client.post(f"{path}/rotate-secret?end_previous=true", headers=bearer(admin))).status_code == 200
        assert (await client.post(f"{path}/enable", headers=bearer(admin))).status_code == 200
        assert (await client.delete(path, headers=bearer(admin))).status_code == 204
        keys = (await client.get("/v1/admin/keys", headers=bearer(admin))).json()["data"]
        audit = (await client.get("/v1/admin/audit", headers=bearer(admin))).json()["data"]
    ops = next(key["id"] for key in keys if key["name"] == "ops")
    assert [(e["action"], e["type"], e["slug"], e["actor"], e["actor_key_id"]) for e in audit[:5]] == [
        ("webhook.delete", "webhook", hook["id"], "ops", ops),
        ("webhook.enable", "webhook", hook["id"], "ops", ops),
        ("webhook.rotate-secret-now", "webhook", hook["id"], "ops", ops),
        ("webhook.rotate-secret", "webhook", hook["id"], "ops", ops),
        ("webhook.create", "webhook", hook["id"], "ops", ops),
    ]


async def test_endpoints_are_capped(fresh_url: str, key_for: Callable[..., str]) -> None:
    admin = key_for("admin")
    async with serve(fresh_url, webhook_max_endpoints=2) as client:
        first = await register(client, admin, "https://8.8.8.8/one")
        await register(client, admin, "https://8.8.8.8/two")
        body = {"url": "https://8.8.8.8/three", "events": ["content.published"]}
        refused = await client.post("/v1/admin/webhooks", json=body, headers=bearer(admin))
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "WEBHOOK_MAX_ENDPOINTS" in refused.json()["detail"]
        await client.delete(f"/v1/admin/webhooks/{first['id']}", headers=bearer(admin))
        assert (await client.post("/v1/admin/webhooks", json=body, headers=bearer(admin))).status_code == 201


async def test_a_leaked_secret_can_be_ended_at_once(
    fresh_url: str, key_for: Callable[..., str], receiver: Receiver
) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        hook = await register(client, admin, receiver.url)
        path = f"/v1/admin/webhooks/{hook['id']}/rotate-secret"
        graceful = (await client.post(path, headers=bearer(admin))).json()
        assert graceful["previous_valid_until"] is not None
        ended = (await client.post(path, params={"end_previous": "true"}, headers=bearer(admin))).json()
        assert ended["previous_valid_until"] is None
        await publish(client, editor, "treatments/heat", {"summary": "Warmth helps."})
    assert await deliver(fresh_url) == 1
    headers, body = receiver.received[0]
    assert len(headers["webhook-signature"].split()) == 1  # neither earlier secret signs any more
    verified(ended["secret"], headers, body)
    for leaked in (hook["secret"], graceful["secret"]):
        with pytest.raises(Exception, match="signature"):
            verified(leaked, headers, body)


async def test_a_publish_is_delivered_signed(fresh_url: str, key_for: Callable[..., str], receiver: Receiver) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        hook = await register(client, admin, receiver.url)
        await publish(client, editor, "treatments/heat", {"summary": "Warmth eases a tight back."})
        assert (await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=bearer(admin))).json()["pending"] == 1
    assert await deliver(fresh_url) == 1
    [(headers, body)] = receiver.received
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("msg_")
    event = verified(hook["secret"], headers, body)
    assert event["type"] == "content.published"
    data = event["data"]
    assert (data["type"], data["slug"], data["revision"]) == ("treatment", "heat", 3)  # edited, then published
    # The condition shows heat's summary: it changed too, and the event says so.
    assert {"type": "condition", "slug": "back-spasms", "action": "upsert"} in data["changed"]
    with pytest.raises(Exception, match="signature"):
        verified("whsec_" + "A" * 32, headers, body)
    assert await deliver(fresh_url) == 0  # acknowledged: never sent again


async def test_a_failing_receiver_that_recovers_gets_everything_in_order(
    fresh_url: str, key_for: Callable[..., str], receiver: Receiver
) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        hook = await register(client, admin, receiver.url)
        await publish(client, editor, "treatments/heat", {"summary": "First."})
        await publish(client, editor, "treatments/heat", {"summary": "Second."})
        unpublished = await client.post(
            "/v1/admin/causes/arthritis/unpublish",
            headers={
                **bearer(editor),
                "If-Match": (await client.get("/v1/admin/causes/arthritis", headers=bearer(editor))).headers["etag"],
            },
        )
        assert unpublished.status_code == 200
        receiver.failing = 3
        for _ in range(3):
            assert await deliver(fresh_url) == 0  # the oldest fails each time, and nothing overtakes it
        status = (await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=bearer(admin))).json()
        assert (status["pending"], status["failures"], status["last_error"]) == (3, 3, "HTTP 503")
        assert await deliver(fresh_url) == 3
        assert await deliver(fresh_url) == 0
        status = (await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=bearer(admin))).json()
        assert (status["pending"], status["failures"]) == (0, 0)
    events = [verified(hook["secret"], headers, body) for headers, body in receiver.received]
    assert [(e["type"], e["data"]["revision"]) for e in events] == [
        ("content.published", 3),
        ("content.published", 5),
        ("content.unpublished", 2),
    ]
    assert len({headers["webhook-id"] for headers, _ in receiver.received}) == 3  # once each
    assert receiver.calls == 6


async def test_a_delivery_survives_a_restart(fresh_url: str, key_for: Callable[..., str], receiver: Receiver) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        hook = await register(client, admin, receiver.url)
        await publish(client, editor, "treatments/ice", {"summary": "Cold can numb pain for a short time."})
    receiver.failing = 1
    assert await deliver(fresh_url) == 0
    # The process that wrote the event is gone; a new worker, on a new engine, delivers it.
    assert await deliver(fresh_url) == 1
    [(headers, body)] = receiver.received
    assert verified(hook["secret"], headers, body)["data"]["slug"] == "ice"


async def test_an_endpoint_is_disabled_after_failures_and_says_why(
    fresh_url: str, key_for: Callable[..., str], receiver: Receiver
) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        hook = await register(client, admin, receiver.url)
        await publish(client, editor, "treatments/rest", {"summary": "A short rest can help."})
        receiver.failing = 100
        for _ in range(6):
            await deliver(fresh_url)
        assert receiver.calls == 5  # max_failures=5: then no more attempts
        status = (await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=bearer(admin))).json()
        assert status["disabled_at"] is not None
        assert status["disabled_reason"] == "5 attempts in a row failed; the last: HTTP 503"
        await publish(client, editor, "treatments/rest", {"summary": "A short rest can help, then move."})
        assert (await client.get(f"/v1/admin/webhooks/{hook['id']}", headers=bearer(admin))).json()["pending"] == 1
        receiver.failing = 0
        enabled = await client.post(f"/v1/admin/webhooks/{hook['id']}/enable", headers=bearer(admin))
        assert enabled.json()["disabled_at"] is None
    assert await deliver(fresh_url) == 1  # the event it stopped at; a disabled endpoint gets nothing new


async def test_an_address_that_turned_private_is_refused_at_delivery(
    fresh_url: str, key_for: Callable[..., str], receiver: Receiver
) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        await register(client, admin, receiver.url)
        await publish(client, editor, "treatments/heat", {"summary": "Warmth helps."})
    assert await deliver(fresh_url, allow_loopback=False) == 0
    engine = make_engine(fresh_url)
    try:
        with Session(engine) as session:
            delivery = session.exec(select(WebhookDelivery)).one()
            assert delivery.last_error is not None
            assert delivery.last_error.startswith("refused: ")
    finally:
        engine.dispose()
    assert receiver.calls == 0


async def test_a_new_ruleset_is_an_event(fresh_url: str, key_for: Callable[..., str], receiver: Receiver) -> None:
    admin = key_for("admin")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=300) as client:
        hook = await register(client, admin, receiver.url, ["ruleset.published"])
    engine = make_engine(fresh_url)
    try:
        with Session(engine) as session:
            record_ruleset(session, version=3, at=datetime.now(UTC))
            session.commit()
    finally:
        engine.dispose()
    assert await deliver(fresh_url) == 1
    event = verified(hook["secret"], *receiver.received[0])
    assert (event["type"], event["data"]) == ("ruleset.published", {"version": 3, "url": "/v1/export"})


async def test_the_served_app_delivers_on_its_own(
    fresh_url: str, key_for: Callable[..., str], receiver: Receiver
) -> None:
    admin, editor = key_for("admin"), key_for("edit")
    async with serve(fresh_url, webhooks_allow_loopback=True, webhook_poll_seconds=0.05) as client:
        hook = await register(client, admin, receiver.url, ["content.published"])
        await publish(client, editor, "treatments/heat", {"summary": "Warmth helps."})
        for _ in range(100):
            if receiver.received:
                break
            await asyncio.sleep(0.05)
    [(headers, body)] = receiver.received
    assert verified(hook["secret"], headers, body)["data"]["slug"] == "heat"


def test_signatures_match_the_standard_webhooks_test_vector() -> None:
    """The example of the Standard Webhooks specification, signed by our code."""

    class Endpoint:
        secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        previous_secret = None
        previous_secret_until = None

    at = datetime.fromtimestamp(1614265330, UTC)
    body = '{"test": 2432232314}'
    signed = signature(Endpoint(), "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_retries_back_off_exponentially_with_jitter() -> None:
    delays = [retry_delay(attempt).total_seconds() for attempt in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(3600.0, 5.0 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({retry_delay(3).total_seconds() for _ in range(20)}) > 1  # jittered


def test_the_outbox_is_written_with_the_change(fresh_url: str, receiver: Receiver) -> None:
    """An event exists only if its change was committed: the outbox rows share the transaction."""
    engine = make_engine(fresh_url)
    try:
        with Session(engine) as session:
            create_endpoint(
                session=session,
                url=receiver.url,
                events=["ruleset.published"],
                description="",
                allow_loopback=True,
                max_endpoints=50,
                actor="test",
            )
            record_ruleset(session, version=9, at=datetime.now(UTC))
            session.rollback()
            assert session.exec(select(col(WebhookDelivery.id))).all() == []
            record_ruleset(session, version=9, at=datetime.now(UTC))
            session.commit()
            assert len(session.exec(select(col(WebhookDelivery.id))).all()) == 1
    finally:
        engine.dispose()
