"""Clinical codes: their shapes, the seed's checked codes, lookup by code, and editing them."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from app.content.codes import ICD_10, ICD_10_CM, SNOMED_CT, Code, ancestors, normalise, shape_problem
from seed.loader import read_seed
from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio
ICD = "http://hl7.org/fhir/sid/icd-10-cm"


@pytest.mark.parametrize(
    ("system", "code", "ok"),
    [
        (SNOMED_CT, "386661006", True),  # Fever (finding): a valid check digit, partition 00
        (SNOMED_CT, "192970008", True),
        (SNOMED_CT, "386661007", False),  # the check digit is wrong
        (SNOMED_CT, "386661", False),  # partition 66 is not a concept's
        (SNOMED_CT, "0386661006", False),
        (SNOMED_CT, "M62.830", False),
        (ICD_10_CM, "M62.830", True),
        (ICD_10_CM, "R50.9", True),
        (ICD_10_CM, "S39.012A", True),
        (ICD_10_CM, "U07.1", False),  # U is not an ICD-10-CM chapter letter here
        (ICD_10_CM, "M6", False),
        (ICD_10, "M62.8", True),
        (ICD_10, "M62.830", False),
    ],
)
def test_code_shapes(system: str, code: str, ok: bool) -> None:
    assert (shape_problem(system, normalise(system, code)) is None) is ok
    if not ok:
        with pytest.raises(ValidationError):
            Code.model_validate({"system": system, "code": code, "display": "x"})


def test_icd_codes_are_normalised_and_have_their_categories() -> None:
    assert normalise(ICD_10_CM, " m62830 ") == "M62.830"
    assert ancestors(ICD_10_CM, "M62.830") == ["M62.830", "M62.83", "M62.8", "M62"]
    assert ancestors(SNOMED_CT, "386661006") == ["386661006"]


def test_every_seed_code_is_well_formed_and_names_the_page_it_was_checked_on() -> None:
    coded = [(item.slug, code) for items in read_seed().by_type().values() for item in items for code in item.codes]
    assert {slug for slug, _ in coded} >= {"back-spasms", "fever", "unexplained-weight-loss"}
    for slug, code in coded:
        assert code.checked_at.startswith("https://"), slug
        assert shape_problem(code.system, code.code) is None, slug
        assert code.system in (SNOMED_CT, ICD_10_CM, ICD_10)


async def test_items_carry_their_codes_in_detail_lists_and_export(client: httpx.AsyncClient) -> None:
    condition = (await client.get("/v1/conditions/back-spasms")).json()
    assert condition["codes"] == [{"system": ICD, "code": "M62.830", "display": "Muscle spasm of back"}]
    assert (await client.get("/v1/treatments/heat")).json()["codes"] == []
    exported = {(i["type"], i["slug"]): i for i in (await client.get("/v1/export")).json()["data"]}
    assert exported["symptom", "fever"]["codes"][0]["code"] == "R50.9"


@pytest.mark.parametrize(
    ("collection", "code", "found"),
    [
        ("conditions", f"{ICD}|M62.830", ["back-spasms"]),
        ("conditions", f"{ICD}|M62.83", ["back-spasms"]),  # the parent category finds its children
        ("conditions", f"{ICD}|M62", ["back-spasms"]),
        ("conditions", f"{ICD}|m62830", ["back-spasms"]),  # as EHRs often send it
        ("conditions", f"{ICD}|M62.831", []),  # a sibling (the calf) is not the back
        ("symptoms", f"{ICD}|R50.9", ["fever"]),
        ("symptoms", f"{ICD}|R63.4", ["unexplained-weight-loss"]),
        ("treatments", f"{ICD}|M62.830", []),
        ("conditions", f"{SNOMED_CT}|386661006", []),
    ],
)
async def test_lookup_by_code(client: httpx.AsyncClient, collection: str, code: str, found: list[str]) -> None:
    response = await client.get(f"/v1/{collection}", params={"code": code})
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["data"]] == found


@pytest.mark.parametrize(
    "code",
    ["M62.830", "urn:oid:2.16.840.1.113883.6.90|M62.830", f"{ICD}|", f"{ICD}|M6", f"{SNOMED_CT}|386661007", "x" * 101],
)
async def test_a_bad_code_is_a_422_problem(client: httpx.AsyncClient, code: str) -> None:
    response = await client.get("/v1/conditions", params={"code": code})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "code"]


async def patch_and_publish(client: httpx.AsyncClient, key: str, url: str, change: dict[str, Any]) -> Any:
    """PATCH an item's draft with its current ETag, then publish it; returns the patched draft."""
    etag = (await client.get(url, headers=bearer(key))).headers["etag"]
    patched = await client.patch(url, json=change, headers={**bearer(key), "If-Match": etag})
    assert patched.status_code == 200, patched.text
    published = await client.post(f"{url}/publish", headers={**bearer(key), "If-Match": patched.headers["etag"]})
    assert published.status_code == 200, published.text
    return patched.json()


async def test_codes_are_edited_checked_and_published(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("admin")
    async with serve(fresh_url) as client:
        url = "/v1/admin/treatments/physical-therapy"
        etag = (await client.get(url, headers=bearer(key))).headers["etag"]
        wrong = {"codes": [{"system": SNOMED_CT, "code": "91251009", "display": "Physical therapy procedure"}]}
        refused = await client.patch(url, json=wrong, headers={**bearer(key), "If-Match": etag})
        assert refused.status_code == 422
        assert "check digit" in refused.text
        twice = {"codes": [{"system": ICD_10, "code": "M62.8", "display": "d"}] * 2}
        assert (await client.patch(url, json=twice, headers={**bearer(key), "If-Match": etag})).status_code == 422
        good = {"codes": [{"system": ICD_10, "code": "m628", "display": "Other specified disorders of muscle"}]}
        patched = await patch_and_publish(client, key, url, good)
        assert patched["document"]["codes"][0]["code"] == "M62.8"
        body = await served_within_two_seconds(
            client, f"/v1/treatments?code={ICD_10}|M62.8", lambda page: bool(page["data"])
        )
        assert [item["slug"] for item in body["data"]] == ["physical-therapy"]
        # Sync clients get the codes with the rest of the item.
        exported = (await client.get("/v1/export")).json()["data"]
        coded = next(i for i in exported if i["slug"] == "physical-therapy")["codes"]
        assert coded == [{"system": ICD_10, "code": "M62.8", "display": "Other specified disorders of muscle"}]


async def test_a_coded_cause_is_found_by_its_code(fresh_url: str, key_for: Callable[..., str]) -> None:
    key = key_for("admin")
    async with serve(fresh_url) as client:
        url = "/v1/admin/causes/arthritis"
        coded = {
            "codes": [
                {"system": ICD_10_CM, "code": "M19.90", "display": "Unspecified osteoarthritis, unspecified site"}
            ]
        }
        await patch_and_publish(client, key, url, coded)
        body = await served_within_two_seconds(
            client, f"/v1/causes?code={ICD_10_CM}|M19.9", lambda page: bool(page["data"])
        )
        assert [item["slug"] for item in body["data"]] == ["arthritis"]
        routed = await client.get(f"/v1/causes?code={ICD_10_CM}|M19.90&category=underlying_condition")
        assert [item["slug"] for item in routed.json()["data"]] == ["arthritis"]
