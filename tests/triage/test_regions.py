"""Where the person is: the region's emergency number and same-day service, in the advice and as fields."""

from typing import Any

import httpx
import pytest

from tests.helpers.answers import answers
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

URGENT = answers(fever=True)
EMERGENCY = {"chest_pain": True}
# Each known region: how the advice names its emergency number, and its same-day service.
GB_111 = (
    "NHS 111 (call 111, or NHS 24 on 111 in Scotland; in Northern Ireland, your GP, or the GP out-of-hours service"
    " when the surgery is closed)"
)
IE_GP = "your GP for a same-day appointment, or a GP out-of-hours service when the surgery is closed"
REGIONS = {
    "GB": ({"name": "999", "number": "999"}, {"name": "NHS 111", "number": "111"}, f"contact {GB_111} now"),
    "US": (
        {"name": "911", "number": "911"},
        {"name": "an urgent care center", "number": None},
        "contact an urgent care center now",
    ),
    "CA": (
        {"name": "911", "number": "911"},
        {"name": "your provincial or territorial health line", "number": "811"},
        "contact your provincial or territorial health line (811 in most of Canada) now",
    ),
    "AU": (
        {"name": "000", "number": "000"},
        {"name": "healthdirect", "number": "1800 022 222"},
        "contact healthdirect (call 1800 022 222) now",
    ),
    "NZ": (
        {"name": "111", "number": "111"},
        {"name": "Healthline", "number": "0800 611 116"},
        "contact Healthline (call 0800 611 116) now",
    ),
    "IE": ({"name": "112 or 999", "number": "112"}, {"name": IE_GP, "number": None}, f"contact {IE_GP} now"),
}


async def assess(client: httpx.AsyncClient, given: dict[str, Any], region: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"answers": given}
    if region is not None:
        body["region"] = region
    response = await client.post("/v1/triage", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("region", sorted(REGIONS))
async def test_each_region_names_its_own_services(client: httpx.AsyncClient, region: str) -> None:
    emergency, urgent, contact = REGIONS[region]
    now = await assess(client, EMERGENCY, region)
    assert now["region"] == region
    assert now["services"] == {"emergency": emergency, "urgent": urgent}
    assert now["advice"].startswith(f"Call {emergency['name']} now, or go to the nearest emergency department.")
    today = await assess(client, URGENT, region)
    assert today["advice"] == f"Get an appointment with a doctor today. If you cannot get one, {contact}."
    assert today["safety_net"][0].startswith(f"Call {emergency['name']} now if any of these start: trouble peeing")
    assert all("{" not in line for line in [today["advice"], *today["safety_net"], today["disclaimer"]])


async def test_no_region_says_the_emergency_number(client: httpx.AsyncClient) -> None:
    body = await assess(client, URGENT)
    assert body["region"] is None
    assert body["advice"].endswith("If you cannot get one, contact an urgent care service now.")
    assert body["safety_net"][0].startswith("Call the emergency number now if")


@pytest.mark.parametrize(
    ("region", "number", "service"), [("gb", "999", GB_111), ("US", "911", "an urgent care center")]
)
async def test_the_deployment_region_is_the_default(seeded_url: str, region: str, number: str, service: str) -> None:
    async with serve(seeded_url, region=region) as client:
        body = await assess(client, URGENT)
        assert body["region"] == region.upper()  # REGION in any letter case
        assert body["advice"].endswith(f"contact {service} now.")
        assert body["safety_net"][0].startswith(f"Call {number} now if")
        labour = await assess(client, {"pregnant": True, "pregnant_labour_signs": True})
        assert labour["advice"].startswith(
            f"Contact your maternity unit or labour ward now. Call {number} if you cannot reach them, "
            "or if you are bleeding a lot."
        )
        other = await assess(client, URGENT, "AU")  # a request's own region wins
        assert other["services"]["emergency"]["number"] == "000"


async def test_the_deployment_numbers_replace_its_region_only(seeded_url: str) -> None:
    async with serve(
        seeded_url,
        region="GB",
        emergency_number="112",
        urgent_service_name="the Riverside clinic",
        urgent_service_number="020 7946 0000",
    ) as client:
        body = await assess(client, URGENT)
        assert body["services"] == {
            "emergency": {"name": "112", "number": "112"},
            "urgent": {"name": "the Riverside clinic", "number": "020 7946 0000"},
        }
        assert body["advice"].endswith("contact the Riverside clinic (call 020 7946 0000) now.")
        assert body["safety_net"][0].startswith("Call 112 now if")
        gb = await assess(client, URGENT, "GB")
        assert gb["services"]["emergency"]["number"] == "112"  # GB is this deployment's region
        us = await assess(client, URGENT, "US")
        assert us["services"]["emergency"]["number"] == "911"


async def test_a_region_the_ruleset_does_not_know_falls_back_to_generic_wording(
    seeded_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve(seeded_url, region="FR") as client:
        body = await assess(client, URGENT)
    assert body["region"] is None
    assert body["services"]["emergency"] == {"name": "the emergency number", "number": None}
    assert "REGION FR is not in the triage ruleset" in caplog.text


async def test_a_pregnancy_result_names_the_deployments_maternity_unit(seeded_url: str) -> None:
    async with serve(
        seeded_url,
        region="GB",
        maternity_service_name="the Riverside maternity unit",
        maternity_service_number="020 7946 0001",
    ) as client:
        labour = await assess(client, {"pregnant": True, "pregnant_labour_signs": True})
        assert labour["services"]["maternity"] == {"name": "the Riverside maternity unit", "number": "020 7946 0001"}
        assert "maternity" not in (await assess(client, URGENT))["services"]
