"""Editing: drafts, If-Match, publishing, unpublishing, deleting, revisions and the audit log."""

import re
from collections.abc import Callable
from typing import Any

import pytest

from app.core.cursors import encode_cursor
from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.editing import TREATMENT, create
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio


async def test_create_returns_the_draft_with_its_etag(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        response = await create(client, key)
        assert response.status_code == 201
        assert response.headers["location"] == "/v1/admin/treatments/warm-bath"
        assert response.headers["cache-control"] == "no-store"
        draft = response.json()
        assert re.fullmatch(r'"[0-9a-f]{12}\.1"', response.headers["etag"])
        assert (draft["type"], draft["slug"], draft["status"], draft["revision"]) == (
            "treatment",
            "warm-bath",
            "draft",
            1,
        )
        assert draft["published_revision"] is None
        assert draft["document"] == {
            **{k: v for k, v in TREATMENT.items() if k != "slug"},
            "codes": [],
            "next_review_due": "2027-11-01",
        }
        fetched = await client.get("/v1/admin/treatments/warm-bath", headers=bearer(key))
        assert fetched.json() == draft
        assert fetched.headers["etag"] == response.headers["etag"]
        # A draft is not public.
        assert (await client.get("/v1/treatments/warm-bath")).status_code == 404


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"colour": "red"}, ["body", "colour"]),
        ({"slug": "Warm Bath"}, ["body", "slug"]),
        ({"slug": "warm--bath"}, ["body", "slug"]),
        ({"category": "surgery"}, ["body", "category"]),
        ({"name": "Warm\x00bath"}, ["body", "name"]),
        ({"name": "x" * 201}, ["body", "name"]),
        ({"sources": []}, ["body", "sources"]),
        (
            {"sources": [{"source": "no-such-source", "locator": "1"}, TREATMENT["recommendation_source"]]},
            ["body", "sources", 0, "source"],
        ),
        ({"conditions": ["no-such-condition"]}, ["body", "conditions", 0]),
    ],
)
async def test_bad_drafts_are_422_naming_the_field(
    fresh_url: str, key_for: Callable[..., str], change: dict[str, Any], loc: list[Any]
) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        response = await create(client, key, {**TREATMENT, **change})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert loc in [error["loc"] for error in response.json()["errors"]]
        assert (await client.get("/v1/admin/treatments/warm-bath", headers=bearer(key))).status_code == 404


async def test_a_red_flag_needs_urgency_and_action(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    symptom = {
        "slug": "new-flag",
        "name": "New flag",
        "summary": "S.",
        "sources": [{"source": "renova-back-spasms", "locator": "1"}],
        "red_flag": True,
    }
    async with serve(fresh_url) as client:
        response = await client.post("/v1/admin/symptoms", json=symptom, headers=bearer(key))
        assert response.status_code == 422
        assert "urgency and an action" in response.json()["errors"][0]["msg"]


async def test_duplicate_slug_is_409(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        assert (await create(client, key)).status_code == 201
        again = await create(client, key)
        assert again.status_code == 409
        assert again.json()["type"] == "urn:backpain:problem:conflict"
        seeded = await create(client, key, {**TREATMENT, "slug": "heat"})
        assert seeded.status_code == 409


async def test_malformed_and_non_json_bodies(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        url, headers = "/v1/admin/treatments", bearer(key)
        broken = await client.post(url, content=b'{"slug": ', headers={**headers, "Content-Type": "application/json"})
        assert broken.status_code == 400
        text = await client.post(url, content=b"slug=x", headers={**headers, "Content-Type": "text/plain"})
        assert text.status_code == 415
        huge = await client.post(url, json={**TREATMENT, "body": "x" * 70_000}, headers=headers)
        assert huge.status_code == 413
        assert all(r.headers["content-type"] == "application/problem+json" for r in (broken, text, huge))


async def test_writes_need_a_current_if_match(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        created = await create(client, key)
        etag, url = created.headers["etag"], "/v1/admin/treatments/warm-bath"
        for method, path, body in [
            ("PATCH", url, {"name": "Hot bath"}),
            ("POST", f"{url}/publish", None),
            ("DELETE", url, None),
        ]:
            missing = await client.request(method, path, json=body, headers=bearer(key))
            assert missing.status_code == 428, (method, path)
            stale = await client.request(method, path, json=body, headers={**bearer(key), "If-Match": '"0.1"'})
            assert stale.status_code == 412, (method, path)
            assert stale.json()["type"] == "urn:backpain:problem:precondition-failed"
        unchanged = await client.get(url, headers=bearer(key))
        assert unchanged.json() == created.json()
        assert unchanged.headers["etag"] == etag

        patched = await client.patch(url, json={"name": "Hot bath"}, headers={**bearer(key), "If-Match": etag})
        assert patched.status_code == 200
        assert patched.json()["document"]["name"] == "Hot bath"
        assert patched.json()["document"]["summary"] == TREATMENT["summary"]
        assert patched.json()["revision"] == 2
        assert patched.headers["etag"] != etag
        # The old ETag is stale now.
        replay = await client.patch(url, json={"name": "Bath"}, headers={**bearer(key), "If-Match": etag})
        assert replay.status_code == 412
        nulled = await client.patch(
            url, json={"name": None}, headers={**bearer(key), "If-Match": patched.headers["etag"]}
        )
        assert nulled.status_code == 422
        slug = await client.patch(url, json={"slug": "x"}, headers={**bearer(key), "If-Match": patched.headers["etag"]})
        assert slug.status_code == 422


async def test_publish_update_unpublish_delete(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit", name="clinic-editor")
    async with serve(fresh_url, refresh=0.1) as client:
        url = "/v1/admin/treatments/warm-bath"
        etag = (await create(client, key)).headers["etag"]
        published = await client.post(f"{url}/publish", headers={**bearer(key), "If-Match": etag})
        assert published.status_code == 200
        assert (published.json()["status"], published.json()["published_revision"]) == ("published", 2)
        public = await served_within_two_seconds(client, "/v1/treatments/warm-bath", lambda b: "slug" in b)
        assert (public["name"], public["revision"], public["conditions"]) == ("Warm bath", 2, ["back-spasms"])
        condition = (await client.get("/v1/conditions/back-spasms")).json()
        assert "warm-bath" in [t["slug"] for t in condition["treatments"]]

        # A draft change is not public until it is published.
        etag = published.headers["etag"]
        patched = await client.patch(url, json={"name": "Hot bath"}, headers={**bearer(key), "If-Match": etag})
        assert patched.json()["status"] == "published"
        assert (await client.get("/v1/treatments/warm-bath")).json()["name"] == "Warm bath"
        etag = patched.headers["etag"]
        republished = await client.post(f"{url}/publish", headers={**bearer(key), "If-Match": etag})
        await served_within_two_seconds(client, "/v1/treatments/warm-bath", lambda b: b.get("name") == "Hot bath")

        etag = republished.headers["etag"]
        unpublished = await client.post(f"{url}/unpublish", headers={**bearer(key), "If-Match": etag})
        assert (unpublished.status_code, unpublished.json()["status"]) == (200, "unpublished")
        await served_within_two_seconds(client, "/v1/treatments/warm-bath", lambda b: b.get("status") == 404)
        again = await client.post(f"{url}/unpublish", headers={**bearer(key), "If-Match": unpublished.headers["etag"]})
        assert again.status_code == 409

        deleted = await client.delete(url, headers={**bearer(key), "If-Match": unpublished.headers["etag"]})
        assert (deleted.status_code, deleted.content) == (204, b"")
        assert (await client.get(url, headers=bearer(key))).status_code == 404

        history = (await client.get(f"{url}/revisions", headers=bearer(key))).json()
        assert [(r["revision"], r["action"], r["actor"]) for r in history["data"]] == [
            (6, "delete", "clinic-editor"),
            (5, "unpublish", "clinic-editor"),
            (4, "publish", "clinic-editor"),
            (3, "update", "clinic-editor"),
            (2, "publish", "clinic-editor"),
            (1, "create", "clinic-editor"),
        ]
        assert history["data"][0]["document"] is None
        assert history["data"][2]["document"]["name"] == "Hot bath"
        assert history["next_cursor"] is None


@pytest.mark.parametrize("date_field", ["last_reviewed", "next_review_due"])
@pytest.mark.parametrize("value", ["9999-12-31", "2100-01-01", "1999-12-31", "0001-01-01"])
async def test_dates_out_of_range_are_422_never_500(
    fresh_url: str, key_for: Callable[..., str], date_field: str, value: str
) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        response = await create(client, key, {**TREATMENT, date_field: value})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["body", date_field]


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30, -1])
async def test_cursors_past_a_database_integer_are_400_never_500(
    fresh_url: str, key_for: Callable[..., str], number: int
) -> None:
    key = bearer(key_for("edit"))
    cursor = encode_cursor(str(number))
    async with serve(fresh_url) as client:
        for path in ("/v1/admin/audit", "/v1/admin/treatments/ice/revisions"):
            response = await client.get(path, params={"cursor": cursor}, headers=key)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["detail"] == "The cursor is not valid; start again without one."
        largest = await client.get("/v1/admin/audit", params={"cursor": encode_cursor(str(2**31 - 1))}, headers=key)
        assert largest.status_code == 200
