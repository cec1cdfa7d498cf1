"""Search in people's words: synonyms, typos and red flags first, over a set of plain-language queries."""

from pathlib import Path

import httpx
import pytest
import yaml

pytestmark = pytest.mark.anyio

QUERIES = yaml.safe_load(Path(__file__).with_name("queries.yaml").read_text(encoding="utf-8"))


def test_the_query_set_is_big_enough() -> None:
    assert len(QUERIES) >= 30


@pytest.mark.parametrize(("q", "top"), [(query["q"], query["top"]) for query in QUERIES])
async def test_each_query_finds_its_item_first(client: httpx.AsyncClient, q: str, top: str) -> None:
    found = (await client.get("/v1/search", params={"q": q})).json()["data"]
    assert found, q
    assert f"{found[0]['type']}/{found[0]['slug']}" == top, [f"{h['type']}/{h['slug']}" for h in found[:5]]


async def test_red_flags_rank_above_ordinary_matches(client: httpx.AsyncClient) -> None:
    """All three name sudden pain: the red flags (pain that came on suddenly, tearing pain) come before the
    ordinary symptom."""
    found = (await client.get("/v1/search", params={"q": "sudden pain"})).json()["data"]
    assert [hit["slug"] for hit in found[:3]] == ["sudden-onset-at-rest", "tearing-pain", "sudden-sharp-pain"]


async def test_a_typo_is_forgiven_only_when_nothing_matches(client: httpx.AsyncClient) -> None:
    # "heal" is a word of its own; it must not be read as "heat".
    healed = (await client.get("/v1/search", params={"q": "heat"})).json()["data"]
    assert healed[0]["slug"] == "heat"
    assert (await client.get("/v1/search", params={"q": "xqzv"})).json()["data"] == []
    assert (await client.get("/v1/search", params={"q": "abc"})).json()["data"] == []  # too short to guess
