"""Concurrent writers: with the same If-Match, exactly one wins and the history stays complete."""

import asyncio
from collections.abc import Callable

import pytest

from tests.helpers.apps import serve
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio


async def test_twenty_patches_with_one_etag(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("edit")
    async with serve(fresh_url) as client:
        url = "/v1/admin/treatments/heat"
        before = await client.get(url, headers=bearer(key))
        headers = {**bearer(key), "If-Match": before.headers["etag"]}
        responses = await asyncio.gather(
            *(client.patch(url, json={"summary": f"Writer {n} was here."}, headers=headers) for n in range(20))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [412] * 19
        winner = next(r for r in responses if r.status_code == 200).json()
        after = (await client.get(url, headers=bearer(key))).json()
        assert after == winner
        assert after["revision"] == before.json()["revision"] + 1
        # No lost update: the history holds the seed and the one winning write, nothing else.
        history = (await client.get(f"{url}/revisions", headers=bearer(key))).json()["data"]
        assert [(r["revision"], r["action"]) for r in history] == [(2, "update"), (1, "seed")]
        assert history[0]["document"]["summary"] == after["document"]["summary"]
