"""Editing a treatment's `recommendation`: set with the draft, published beside the item, served and synced,
and checked like every other field: missing, null or invalid is a 422 problem naming it."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from app.content.models import ItemRecommendation
from app.core.db import make_engine
from app.platform.editing.models import ItemDraft
from seed.loader import item_id
from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.editing import TREATMENT, create
from tests.helpers.keys import bearer
from tests.helpers.sync import follow

pytestmark = pytest.mark.anyio

RATING = ("recommendation", "recommendation_source")
ACP = {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"}
RENOVA = {"source": "renova-back-spasms", "locator": "Treatments of Back Spasms, paragraph 1"}
HEAT = "/v1/admin/treatments/heat"
WARM_BATH = "/v1/admin/treatments/warm-bath"


async def write(client: httpx.AsyncClient, key: str, method: str, url: str, body: Any = None) -> httpx.Response:
    """A write with the item's current ETag."""
    etag = (await client.get(url.removesuffix("/publish").removesuffix("/unpublish"), headers=bearer(key))).headers
    return await client.request(method, url, json=body, headers={**bearer(key), "If-Match": etag["etag"]})


def rating(item: dict[str, Any]) -> tuple[Any, Any]:
    return item["recommendation"], item["recommendation_source"]


def assert_problem(response: httpx.Response, loc: list[Any]) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:backpain:problem:validation-error"
    assert loc in [error["loc"] for error in response.json()["errors"]], response.json()["errors"]


async def test_a_new_treatment_is_published_with_it(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit", name="clinic-editor")
    async with serve(fresh_url, refresh=0.05) as client:
        before = (await client.get("/v1/export")).json()
        created = await create(client, key)
        assert created.status_code == 201, created.text
        assert rating(created.json()["document"]) == ("consider", ACP)
        assert (await client.get(WARM_BATH, headers=bearer(key))).json() == created.json()

        published = await write(client, key, "POST", f"{WARM_BATH}/publish")
        assert published.status_code == 200
        assert rating(published.json()["document"]) == ("consider", ACP)
        public = await served_within_two_seconds(client, "/v1/treatments/warm-bath", lambda b: "slug" in b)
        assert rating(public) == ("consider", ACP)
        exported = await served_within_two_seconds(
            client, "/v1/export", lambda b: any(i["slug"] == "warm-bath" for i in b["data"])
        )
        assert next(i for i in exported["data"] if i["slug"] == "warm-bath") == public
        changes, _ = await follow(client, before["cursor"], limit=100)
        (upsert,) = [c for c in changes if c["slug"] == "warm-bath"]
        assert (upsert["action"], upsert["item"]) == ("upsert", public)
        considered = (await client.get("/v1/treatments?recommendation=consider&limit=100")).json()["data"]
        assert "warm-bath" in [item["slug"] for item in considered]

        history = (await client.get(f"{WARM_BATH}/revisions", headers=bearer(key))).json()["data"]
        assert [(r["action"], r["actor"], rating(r["document"])) for r in history] == [
            ("publish", "clinic-editor", ("consider", ACP)),
            ("create", "clinic-editor", ("consider", ACP)),
        ]


async def test_a_change_is_a_draft_until_published(fresh_url: str, key_for: Callable[..., str]) -> None:
    """A seeded treatment shows editors the recommendation the public sees; a change to it waits for a publish."""
    key = key_for("edit", name="clinic-editor")
    async with serve(fresh_url, refresh=0.05) as client:
        before = (await client.get("/v1/export")).json()
        public = (await client.get("/v1/treatments/heat")).json()
        assert rating(public) == ("recommended", ACP)
        assert rating((await client.get(HEAT, headers=bearer(key))).json()["document"]) == ("recommended", ACP)

        # The source it had stays when only the recommendation changes.
        patched = await write(client, key, "PATCH", HEAT, {"recommendation": "not_recommended"})
        assert patched.status_code == 200, patched.text
        assert rating(patched.json()["document"]) == ("not_recommended", ACP)
        assert rating((await client.get("/v1/treatments/heat")).json()) == ("recommended", ACP)

        assert (await write(client, key, "POST", f"{HEAT}/publish")).status_code == 200
        public = await served_within_two_seconds(
            client, "/v1/treatments/heat", lambda b: b["recommendation"] == "not_recommended"
        )
        assert (public["recommendation_source"], public["revision"]) == (ACP, 3)
        advised_against = (await client.get("/v1/treatments?recommendation=not_recommended&limit=100")).json()
        assert "heat" in [item["slug"] for item in advised_against["data"]]
        exported = (await client.get("/v1/export")).json()
        assert next(i for i in exported["data"] if i["slug"] == "heat") == public
        changes, _ = await follow(client, before["cursor"], limit=100)
        (upsert,) = [c for c in changes if (c["type"], c["slug"]) == ("treatment", "heat")]
        assert (upsert["action"], upsert["revision"], upsert["item"]) == ("upsert", 3, public)

        moved = await write(client, key, "PATCH", HEAT, {"recommendation_source": RENOVA})
        assert rating(moved.json()["document"]) == ("not_recommended", RENOVA)
        assert (await write(client, key, "POST", f"{HEAT}/publish")).status_code == 200
        public = await served_within_two_seconds(
            client, "/v1/treatments/heat", lambda b: b["recommendation_source"] == RENOVA
        )
        assert (public["recommendation"], public["revision"]) == ("not_recommended", 5)

        history = (await client.get(f"{HEAT}/revisions", headers=bearer(key))).json()["data"]
        assert [(r["revision"], r["action"]) for r in history] == [
            (5, "publish"),
            (4, "update"),
            (3, "publish"),
            (2, "update"),
            (1, "seed"),
        ]
        assert [rating(r["document"]) for r in history[:4]] == [
            ("not_recommended", RENOVA),
            ("not_recommended", RENOVA),
            ("not_recommended", ACP),
            ("not_recommended", ACP),
        ]
        audit = (await client.get("/v1/admin/audit", headers=bearer(key))).json()["data"]
        assert [(e["action"], e["slug"], e["revision"], e["actor"]) for e in audit[:4]] == [
            ("publish", "heat", 5, "clinic-editor"),
            ("update", "heat", 4, "clinic-editor"),
            ("publish", "heat", 3, "clinic-editor"),
            ("update", "heat", 2, "clinic-editor"),
        ]


@pytest.mark.parametrize("left_out", [RATING, RATING[:1], RATING[1:]])
async def test_a_treatment_created_without_it_is_422(
    fresh_url: str, key_for: Callable[..., str], left_out: tuple[str, ...]
) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        response = await create(client, key, {k: v for k, v in TREATMENT.items() if k not in left_out})
        for name in left_out:
            assert_problem(response, ["body", name])
        assert (await client.get(WARM_BATH, headers=bearer(key))).status_code == 404


@pytest.mark.parametrize("name", RATING)
async def test_it_cannot_be_taken_away(fresh_url: str, key_for: Callable[..., str], name: str) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        before = await client.get(HEAT, headers=bearer(key))
        assert_problem(await write(client, key, "PATCH", HEAT, {name: None}), ["body", name])
        assert (await client.get(HEAT, headers=bearer(key))).headers["etag"] == before.headers["etag"]


async def test_a_draft_that_lacks_it_is_422_until_it_is_given(fresh_url: str, key_for: Callable[..., str]) -> None:
    """A draft written before treatments carried a recommendation, and never published with one."""
    key = key_for("edit")
    async with serve(fresh_url) as client:
        assert (await create(client, key)).status_code == 201
        engine = make_engine(fresh_url)
        try:
            with Session(engine) as session:
                draft = session.exec(select(ItemDraft).where(ItemDraft.slug == "warm-bath")).one()
                draft.document = {k: v for k, v in draft.document.items() if k not in RATING}
                session.add(draft)
                session.commit()
        finally:
            engine.dispose()
        renamed = await write(client, key, "PATCH", WARM_BATH, {"name": "Hot bath"})
        assert_problem(renamed, ["body", "recommendation"])
        assert_problem(renamed, ["body", "recommendation_source"])
        unrated = await write(client, key, "POST", f"{WARM_BATH}/publish")
        assert unrated.status_code == 409
        assert "recommendation" in unrated.json()["detail"]

        rated = await write(
            client, key, "PATCH", WARM_BATH, {"recommendation": "consider", "recommendation_source": ACP}
        )
        assert rated.status_code == 200, rated.text
        assert (await write(client, key, "POST", f"{WARM_BATH}/publish")).status_code == 200


INVALID: list[tuple[dict[str, Any], list[Any]]] = [
    ({"recommendation": "maybe"}, ["body", "recommendation"]),
    ({"recommendation": "Recommended"}, ["body", "recommendation"]),
    ({"recommendation": "advised_against"}, ["body", "recommendation"]),
    ({"recommendation": 1}, ["body", "recommendation"]),
    ({"recommendation_source": "acp-2017-low-back-pain"}, ["body", "recommendation_source"]),
    ({"recommendation_source": {"source": "acp-2017-low-back-pain"}}, ["body", "recommendation_source", "locator"]),
    ({"recommendation_source": {**ACP, "page": 2}}, ["body", "recommendation_source", "page"]),
    # It must be one of the item's own citations, source and locator.
    ({"recommendation_source": {**ACP, "locator": "Recommendation 2"}}, ["body", "recommendation_source"]),
    (
        {"recommendation_source": {"source": "nice-ng59", "locator": "Recommendation 1.2.1"}},
        ["body", "recommendation_source"],
    ),
    ({"sources": [RENOVA]}, ["body", "recommendation_source"]),
]


@pytest.mark.parametrize(("change", "loc"), INVALID)
async def test_an_invalid_one_is_422_naming_it(
    fresh_url: str, key_for: Callable[..., str], change: dict[str, Any], loc: list[Any]
) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        assert_problem(await create(client, key, {**TREATMENT, **change}), loc)
        assert (await client.get(WARM_BATH, headers=bearer(key))).status_code == 404
        before = await client.get(HEAT, headers=bearer(key))
        assert_problem(await write(client, key, "PATCH", HEAT, change), loc)
        assert (await client.get(HEAT, headers=bearer(key))).headers["etag"] == before.headers["etag"]


async def test_it_outlives_an_unpublish_and_goes_with_a_delete(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url, refresh=0.05) as client:
        assert (await write(client, key, "POST", f"{HEAT}/unpublish")).status_code == 200
        await served_within_two_seconds(client, "/v1/treatments/heat", lambda b: b.get("status") == 404)
        assert (await write(client, key, "POST", f"{HEAT}/publish")).status_code == 200
        public = await served_within_two_seconds(client, "/v1/treatments/heat", lambda b: "slug" in b)
        assert rating(public) == ("recommended", ACP)

        assert (await write(client, key, "DELETE", HEAT)).status_code == 204
    engine = make_engine(fresh_url)
    try:
        with Session(engine) as session:
            assert session.get(ItemRecommendation, item_id("treatment", "heat")) is None
            assert session.get(ItemRecommendation, item_id("treatment", "ice")) is not None
    finally:
        engine.dispose()
