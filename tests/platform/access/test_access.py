"""Scopes and origins: every admin route, called by every kind of caller, gives the documented status."""

from collections.abc import Callable
from typing import Any

import pytest

from app.content.queries import COLLECTIONS
from tests.helpers.apps import serve
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio

SEEDED = {"conditions": "back-spasms", "causes": "arthritis", "symptoms": "fever", "treatments": "heat"}
SEEDED["sources"] = "nhs-back-pain"
MISSING_KEY = "00000000-0000-0000-0000-000000000000"

# Each admin route with a request that changes nothing, and what a caller allowed to make it gets.
ROUTES: list[tuple[str, str, str, Any, int]] = [
    ("admin", "POST", "/v1/admin/keys", {}, 422),
    ("admin", "GET", "/v1/admin/keys", None, 200),
    ("admin", "DELETE", f"/v1/admin/keys/{MISSING_KEY}", None, 404),
    ("edit", "GET", "/v1/admin/audit", None, 200),
]
for _collection in COLLECTIONS:
    _item = f"/v1/admin/{_collection}/{SEEDED[_collection]}"
    ROUTES += [
        ("edit", "POST", f"/v1/admin/{_collection}", {}, 422),
        ("edit", "GET", _item, None, 200),
        ("edit", "PATCH", _item, {}, 428),
        ("edit", "POST", f"{_item}/publish", None, 428),
        ("edit", "POST", f"{_item}/unpublish", None, 428),
        ("edit", "DELETE", _item, None, 428),
        ("edit", "GET", f"{_item}/revisions", None, 200),
    ]

CALLERS = ["no key", "wrong key", "read", "edit", "admin", "revoked", "wrong origin"]
ORIGIN = "https://clinic.example"


def expected(caller: str, needs: str, allowed: int) -> int:
    if caller in ("no key", "wrong key", "revoked"):
        return 401
    if caller == "wrong origin":
        return 403
    granted = {"read": {"read"}, "edit": {"read", "edit"}, "admin": {"read", "edit", "admin"}}[caller]
    return allowed if needs in granted else 403


async def test_every_admin_route_for_every_caller(fresh_url: str, key_for: Callable[..., str]) -> None:
    keys = {
        "read": key_for("read"),
        "edit": key_for("edit"),
        "admin": key_for("admin"),
        "revoked": key_for("admin", name="revoked"),
        "wrong origin": key_for("admin", allowed_origins=[ORIGIN]),
    }
    async with serve(fresh_url) as client:
        listed = (await client.get("/v1/admin/keys", headers=bearer(keys["admin"]))).json()["data"]
        revoked_id = next(k["id"] for k in listed if k["name"] == "revoked")
        assert (await client.delete(f"/v1/admin/keys/{revoked_id}", headers=bearer(keys["admin"]))).status_code == 204

        def headers(caller: str) -> dict[str, str]:
            if caller == "no key":
                return {}
            if caller == "wrong key":
                return bearer("bpk_" + "A" * 43)
            sent = bearer(keys[caller])
            return {**sent, "Origin": "https://elsewhere.example"} if caller == "wrong origin" else sent

        mismatches = []
        for needs, method, path, body, allowed in ROUTES:
            for caller in CALLERS:
                response = await client.request(method, path, json=body, headers=headers(caller))
                want = expected(caller, needs, allowed)
                if response.status_code != want:
                    mismatches.append((caller, method, path, response.status_code, want))
                assert response.headers["content-type"].startswith(
                    "application/problem+json" if want >= 400 else "application/json"
                )
        assert mismatches == []
        # The origin-locked key works from its own origin.
        own = await client.get("/v1/admin/keys", headers={**bearer(keys["wrong origin"]), "Origin": ORIGIN})
        assert own.status_code == 200
    assert len(ROUTES) * len(CALLERS) == 39 * 7


async def test_refusals_say_why(seeded_url: str) -> None:
    async with serve(seeded_url) as client:
        response = await client.get("/v1/admin/audit")
        assert response.status_code == 401
        assert response.json() == {
            "type": "urn:backpain:problem:unauthorized",
            "title": "Unauthorized",
            "status": 401,
            "detail": "This needs an API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        }
