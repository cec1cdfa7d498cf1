"""Absolute URLs that are cached publicly come from PUBLIC_BASE_URL, never from the request's Host header:
the guide page's JSON-LD, the Infobutton's Atom feed, the FHIR Questionnaire and its code systems."""

import pytest

from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio

BASE = "https://api.example.org"
FORGED = {"Host": "attacker.example"}
PAGES = [
    ("/guide/treatments/heat", {}),
    ("/v1/treatments/heat", {"Accept": "application/ld+json"}),
    ("/v1/infobutton?mainSearchCriteria.v.c=M62.830&mainSearchCriteria.v.cs=2.16.840.1.113883.6.90", {}),  # Atom
    ("/v1/triage/questionnaire", {"Accept": "application/fhir+json"}),
    ("/fhir/Questionnaire/back-pain-triage", {}),
    ("/fhir/CodeSystem/triage-level", {}),
]


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "routes"])
async def test_a_forged_host_never_reaches_a_canonical_url(seeded_url: str, fast: bool) -> None:
    async with serve(seeded_url, fast=fast, public_base_url=BASE) as client:
        for path, headers in PAGES:
            forged = await client.get(path, headers={**headers, **FORGED})
            assert forged.status_code == 200, (path, forged.text[:200])
            assert "attacker.example" not in forged.text, path
            assert BASE in forged.text, path
            honest = await client.get(path, headers=headers)
            assert honest.content == forged.content, path
