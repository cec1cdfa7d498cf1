"""A treatment draft as an editor sends it, and the call that creates it."""

from typing import Any

import httpx

from tests.helpers.keys import bearer

TREATMENT: dict[str, Any] = {
    "slug": "warm-bath",
    "name": "Warm bath",
    "summary": "Soaking in warm water relaxes a back in spasm.",
    "body": "Run a bath that is warm, not hot.\n\nStay in for up to twenty minutes.",
    "sources": [
        {"source": "renova-back-spasms", "locator": "Treatments, heat"},
        {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"},
    ],
    "category": "self_care",
    "when_to_use": "In the first days of a spasm, once any swelling has settled.",
    "cautions": "Not with numbness, or straight after an injury.",
    "recommendation": "consider",
    "recommendation_source": {"source": "acp-2017-low-back-pain", "locator": "Recommendation 1"},
    "conditions": ["back-spasms"],
    "last_reviewed": "2026-11-01",
}


async def create(client: httpx.AsyncClient, key: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """POST a treatment draft (TREATMENT unless another body is given) with the key."""
    return await client.post("/v1/admin/treatments", json=body or TREATMENT, headers=bearer(key))
