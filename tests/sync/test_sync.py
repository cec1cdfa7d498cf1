"""Mobile sync: the export, the change feed, and that following the feed reproduces the export."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.sync.feed import encode_position
from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.content import public_digest
from tests.helpers.editing import TREATMENT
from tests.helpers.keys import bearer
from tests.helpers.sync import follow

pytestmark = pytest.mark.anyio


def apply(export: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a mobile app does: upsert or delete each changed item in its local copy."""
    local = {(item["type"], item["slug"]): item for item in export}
    for change in changes:
        if change["type"] == "ruleset":  # kept apart from the items, as the export keeps it
            continue
        if change["action"] == "upsert":
            local[change["type"], change["slug"]] = change["item"]
        else:
            local.pop((change["type"], change["slug"]), None)
    return sorted(local.values(), key=lambda item: (item["type"], item["slug"]))


def ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (item["type"], item["slug"]))


async def test_export_has_every_published_item(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/export")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, no-cache"
    body = response.json()
    counts: dict[str, int] = {}
    for item in body["data"]:
        counts[item["type"]] = counts.get(item["type"], 0) + 1
    assert counts == {"condition": 1, "cause": 8, "symptom": 34, "treatment": 27, "source": 23}
    heat = next(item for item in body["data"] if item["slug"] == "heat")
    assert heat == (await client.get("/v1/treatments/heat")).json()
    again = await client.get("/v1/export", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    nothing = (await client.get(f"/v1/changes?since={body['cursor']}")).json()
    assert nothing == {"data": [], "next_cursor": body["cursor"], "has_more": False}


async def test_the_whole_feed_rebuilds_the_export(client: httpx.AsyncClient) -> None:
    export = (await client.get("/v1/export")).json()
    everything = (await client.get("/v1/changes?limit=1000")).json()
    assert everything["has_more"] is False
    assert everything["next_cursor"] == export["cursor"]
    assert apply([], everything["data"]) == ordered(export["data"])


async def test_following_the_feed_gives_exactly_the_new_export(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url, refresh=0.05) as client:
        before = (await client.get("/v1/export")).json()

        async def write(method: str, path: str, body: Any = None) -> httpx.Response:
            url = f"/v1/admin/{path}"
            etag = (
                await client.get(url.removesuffix("/publish").removesuffix("/unpublish"), headers=bearer(key))
            ).headers["etag"]
            response = await client.request(method, url, json=body, headers={**bearer(key), "If-Match": etag})
            assert response.status_code in (200, 204), response.text
            return response

        assert (await client.post("/v1/admin/treatments", json=TREATMENT, headers=bearer(key))).status_code == 201
        await write("POST", "treatments/warm-bath/publish")
        await write("PATCH", "treatments/heat", {"name": "Warmth"})
        await write("POST", "treatments/heat/publish")
        await write("POST", "causes/arthritis/unpublish")
        await write("DELETE", "treatments/ice")
        await write("PATCH", "treatments/warm-bath", {"summary": "Changed, then published."})
        await write("POST", "treatments/warm-bath/publish")
        after = await served_within_two_seconds(client, "/v1/export", lambda b: b["cursor"] != before["cursor"])
        after = await served_within_two_seconds(
            client, "/v1/export", lambda b: any(i.get("summary") == "Changed, then published." for i in b["data"])
        )
        changes, cursor = await follow(client, before["cursor"])
        actions = {(c["type"], c["slug"]): c["action"] for c in changes}
        assert len(actions) == len(changes)  # each item once, with its newest state
        assert {k: v for k, v in actions.items() if k[0] in ("cause", "treatment")} == {
            ("treatment", "heat"): "upsert",
            ("cause", "arthritis"): "delete",
            ("treatment", "ice"): "delete",
            ("treatment", "warm-bath"): "upsert",
        }
        # The condition embeds their summaries and the sources list what cites them: both changed too.
        assert actions[("condition", "back-spasms")] == "upsert"
        assert {v for k, v in actions.items() if k[0] == "source"} == {"upsert"}
        assert [c["item"] for c in changes if c["action"] == "delete"] == [None, None]
        assert apply(before["data"], changes) == ordered(after["data"])
        assert cursor == after["cursor"]
        assert (await client.get("/v1/causes/arthritis")).status_code == 404
        # A delete's revision is the item's last.
        assert next(c for c in changes if c["slug"] == "ice")["revision"] == 2


@pytest.mark.parametrize("since", ["!!", "YWZ0ZXI6aGVhdA", "c2VxOi0x", "c2VxOjFl", "x" * 201])
async def test_malformed_cursors_are_4xx(client: httpx.AsyncClient, since: str) -> None:
    response = await client.get(f"/v1/changes?since={since}")
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_cursor_from_the_future_is_410(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/changes?since={encode_position(10**9)}")
    assert response.status_code == 410
    assert response.json()["type"] == "urn:backpain:problem:gone"


async def test_a_cursor_older_than_the_kept_deletions_is_410(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url, refresh=0.05, changes_tombstone_days=0) as client:
        old = (await client.get("/v1/export")).json()["cursor"]
        # With no days kept, each deletion drops the tombstones written before it.
        for slug in ("ice", "heat"):
            etag = (await client.get(f"/v1/admin/treatments/{slug}", headers=bearer(key))).headers["etag"]
            await client.delete(f"/v1/admin/treatments/{slug}", headers={**bearer(key), "If-Match": etag})
        gone_too = await served_within_two_seconds(
            client, "/v1/export", lambda b: all(item["slug"] != "heat" for item in b["data"])
        )
        new = gone_too["cursor"]
        gone = await client.get(f"/v1/changes?since={old}")
        assert gone.status_code == 410
        assert "Export again" in gone.json()["detail"]
        assert (await client.get(f"/v1/changes?since={new}")).status_code == 200
        everything = (await client.get("/v1/changes?limit=1000")).json()["data"]
        assert [c["slug"] for c in everything if c["action"] == "delete"] == ["heat"]


async def test_a_source_no_longer_cited_is_in_the_feed(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url, refresh=0.05) as client:
        url = "/v1/admin/treatments/heat"
        before = (await client.get("/v1/export")).json()
        etag = (await client.get(url, headers=bearer(key))).headers["etag"]
        # Its recommendation's source stays: a treatment's recommendation cites one of its sources.
        recommended = {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"}
        moved = {"sources": [{"source": "nhs-back-pain", "locator": "Treatments"}, recommended]}
        patched = await client.patch(url, json=moved, headers={**bearer(key), "If-Match": etag})
        published = await client.post(f"{url}/publish", headers={**bearer(key), "If-Match": patched.headers["etag"]})
        assert published.status_code == 200, published.text
        after = await served_within_two_seconds(client, "/v1/export", lambda b: b["cursor"] != before["cursor"])
        changes, _ = await follow(client, before["cursor"])
        slugs = {(c["type"], c["slug"]) for c in changes}
        # The source heat used to cite lists it no more; the one it cites now lists it.
        assert {("source", "renova-back-spasms"), ("source", "nhs-back-pain"), ("treatment", "heat")} <= slugs
        assert apply(before["data"], changes) == ordered(after["data"])


async def test_the_ruleset_is_in_the_export_and_the_feed(client: httpx.AsyncClient) -> None:
    export = (await client.get("/v1/export")).json()
    ruleset = export["ruleset"]
    questionnaire = (await client.get("/v1/triage/questionnaire")).json()
    assert ruleset["version"] == questionnaire["ruleset_version"] == ruleset["document"]["version"] == 3
    assert ruleset["engine_version"] == ruleset["document"]["engine_version"] == 3
    asked = [q["id"] for step in questionnaire["steps"] for q in step["questions"]]
    assert sorted(q["id"] for q in ruleset["document"]["questions"]) == sorted(asked)
    assert ruleset["services"] == (await client.post("/v1/triage", json={"answers": {}})).json()["services"]
    pregnant = (await client.post("/v1/triage", json={"answers": {"pregnant": True}})).json()
    assert ruleset["maternity"] == pregnant["services"]["maternity"]
    assert ruleset["maternity"] == {"name": "your maternity unit or midwife", "number": None}
    # An offline copy is good for 30 days from when the server built it (when the client started).
    valid_for = datetime.strptime(ruleset["valid_until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=30) - timedelta(minutes=5) < valid_for <= timedelta(days=30)
    everything = (await client.get("/v1/changes?limit=1000")).json()["data"]
    entries = [change for change in everything if change["type"] == "ruleset"]
    assert entries == [{"type": "ruleset", "slug": "triage", "action": "upsert", "revision": 3, "item": ruleset}]


async def test_a_change_to_an_embedded_summary_changes_the_digest(fresh_url: str, key_for: Callable[..., str]) -> None:
    """A condition embeds its treatments' summaries: editing one is a change to the condition, seen in
    the feed with a new digest (its editorial revision stays) and a new ETag."""
    key = key_for("edit")
    async with serve(fresh_url, refresh=0.05) as client:
        before = (await client.get("/v1/export")).json()
        condition = await client.get("/v1/conditions/back-spasms")
        url = "/v1/admin/treatments/heat"
        etag = (await client.get(url, headers=bearer(key))).headers["etag"]
        patched = await client.patch(
            url, json={"summary": "Warmth eases a tight back."}, headers={**bearer(key), "If-Match": etag}
        )
        published = await client.post(f"{url}/publish", headers={**bearer(key), "If-Match": patched.headers["etag"]})
        assert published.status_code == 200
        await served_within_two_seconds(client, "/v1/export", lambda b: b["cursor"] != before["cursor"])
        changes, _ = await follow(client, before["cursor"])
        changed = next(c for c in changes if (c["type"], c["slug"]) == ("condition", "back-spasms"))
        assert changed["revision"] == condition.json()["revision"]
        assert changed["item"]["digest"] != condition.json()["digest"]
        assert any(t["summary"] == "Warmth eases a tight back." for t in changed["item"]["treatments"])
        after = await client.get("/v1/conditions/back-spasms")
        assert after.json() == changed["item"]
        assert after.headers["etag"] != condition.headers["etag"]
        stale = await client.get("/v1/conditions/back-spasms", headers={"If-None-Match": condition.headers["etag"]})
        assert stale.status_code == 200


async def test_the_digest_covers_everything_else(client: httpx.AsyncClient) -> None:
    for item in (await client.get("/v1/export")).json()["data"]:
        rest = {name: value for name, value in item.items() if name != "digest"}
        assert item["digest"] == public_digest(rest), item["slug"]
