"""Records the OpenAPI examples from real calls to the API on a freshly seeded database.

    uv run python -m tests.openapi.examples

writes app/core/openapi-examples.json: for each operation, the request body sent and every success
response, per media type, with lists of objects cut to two entries. Run it again after changing a schema.
"""

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.helpers.answers import NEGATIVE
from tests.helpers.apps import serve
from tests.helpers.databases import migrate_and_seed
from tests.helpers.keys import make_key

TARGET = Path(__file__).resolve().parents[2] / "app" / "core" / "openapi-examples.json"
SOURCE = [{"source": "nhs-back-pain", "locator": "Non-urgent advice"}]
DRAFTS: dict[str, dict[str, Any]] = {
    "conditions": {
        "slug": "neck-spasms",
        "name": "Neck spasms",
        "summary": "Sudden tightening of the muscles of the neck, often after sleeping awkwardly.",
        "body": "The neck stiffens and turning the head hurts.\n\nMost episodes settle within a few days.",
        "sources": SOURCE,
    },
    "causes": {
        "slug": "awkward-sleeping-position",
        "name": "Awkward sleeping position",
        "summary": "A night spent twisted or unsupported can leave the back muscles strained.",
        "category": "activity",
        "sources": SOURCE,
        "conditions": ["back-spasms"],
    },
    "symptoms": {
        "slug": "morning-stiffness",
        "name": "Stiffness first thing in the morning",
        "summary": "The back feels tight on waking and loosens as you move about.",
        "sources": SOURCE,
        "conditions": ["back-spasms"],
    },
    "treatments": {
        "slug": "warm-bath",
        "name": "Warm bath",
        "summary": "Soaking in warm water relaxes a back in spasm.",
        "category": "self_care",
        "when_to_use": "Once any swelling from an injury has settled.",
        "cautions": "Not with numbness, or straight after an injury.",
        "sources": SOURCE,
        "recommendation": "consider",
        "recommendation_source": SOURCE[0],
        "conditions": ["back-spasms"],
    },
    "sources": {
        "slug": "example-physio-leaflet",
        "name": "Riverside Physiotherapy: back care",
        "title": "Looking after your back",
        "publisher": "Riverside Physiotherapy",
        "url": "https://riverside-physio.example/back-care",
        "summary": "A clinic leaflet on staying active with back pain.",
    },
}
SELF_CARE = {**NEGATIVE, "started_after_strain": True, "painkillers_not_helping": "unsure"}


def trimmed(value: Any) -> Any:
    """The value with every list of objects cut to its first two entries (short lists of values stay whole)."""
    if isinstance(value, list):
        kept = value[:2] if any(isinstance(entry, dict | list) for entry in value) else value
        return [trimmed(entry) for entry in kept]
    if isinstance(value, dict):
        return {key: trimmed(entry) for key, entry in value.items()}
    return value


class Recorder:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.examples: dict[str, dict[str, Any]] = {}

    async def call(self, operation: str, url: str, *, body: Any = None, **headers: str) -> httpx.Response:
        """Make the call behind an operation ("GET /v1/things/{slug}") and keep its example."""
        method = operation.split(" ", 1)[0]
        response = await self.client.request(method, url, json=body, headers=headers)
        assert response.status_code < 300, (operation, response.status_code, response.text)
        entry = self.examples.setdefault(operation, {})
        if body is not None:
            entry["request"] = body
        if response.content:
            media = response.headers["content-type"].split(";")[0]
            if media.endswith("json"):
                entry[f"{response.status_code} {media}"] = trimmed(response.json())
            else:  # text: its first lines show the shape
                entry[f"{response.status_code} {media}"] = "\n".join(response.text.splitlines()[:6])
        return response


PUBLIC_HOOK = "https://8.8.8.8/hooks/backpain"


async def record(url: str) -> dict[str, dict[str, Any]]:
    admin = {"Authorization": f"Bearer {make_key(url, 'admin', name='docs-admin')}"}
    async with serve(url) as client:
        recorder = Recorder(client)
        call = recorder.call
        for path in ("/healthz", "/readyz", "/metrics", "/widget.js", "/demo", "/triage-engine.js"):
            await call(f"GET {path}", path)
        examples = {
            "conditions": "back-spasms",
            "causes": "muscle-strain",
            "symptoms": "saddle-numbness",
            "treatments": "heat",
            "sources": "nhs-back-pain",
        }
        for collection, slug in examples.items():
            await call(f"GET /v1/{collection}", f"/v1/{collection}?limit=2")
            await call(f"GET /v1/{collection}/{{slug}}", f"/v1/{collection}/{slug}")
        await call("GET /v1/triage/questionnaire", "/v1/triage/questionnaire")
        await call("POST /v1/triage", "/v1/triage", body={"answers": SELF_CARE, "region": "GB"})
        await call("GET /fhir/Questionnaire/back-pain-triage", "/fhir/Questionnaire/back-pain-triage")
        await call("GET /fhir/CodeSystem/triage-level", "/fhir/CodeSystem/triage-level")
        await call("GET /fhir/CodeSystem/triage-timeframe", "/fhir/CodeSystem/triage-timeframe")
        for slug in ("back-spasms",):
            await call("GET /guide/{collection}/{slug}", f"/guide/conditions/{slug}")
        infobutton = "/v1/infobutton?mainSearchCriteria.v.cs=2.16.840.1.113883.6.90&mainSearchCriteria.v.c=M62.830"
        await call("GET /v1/infobutton", infobutton)
        await call("GET /v1/infobutton", f"{infobutton}&knowledgeResponseType=application/json")
        await call("GET /v1/search", "/v1/search?q=warm&limit=2")
        cursor = (await call("GET /v1/export", "/v1/export")).json()["cursor"]
        created = await call(
            "POST /v1/admin/keys",
            "/v1/admin/keys",
            body={
                "name": "riverside-widget",
                "scopes": ["read"],
                "allowed_origins": ["https://riverside-physio.example"],
                "rate_limit_per_minute": 6000,
            },
            **admin,
        )
        await call("GET /v1/admin/keys", "/v1/admin/keys?limit=2", **admin)
        await call("DELETE /v1/admin/keys/{key_id}", f"/v1/admin/keys/{created.json()['id']}", **admin)
        hook = {
            "url": PUBLIC_HOOK,
            "events": ["content.published", "content.unpublished", "content.deleted"],
            "description": "Refresh the clinic app's cache",
        }
        hooked = (await call("POST /v1/admin/webhooks", "/v1/admin/webhooks", body=hook, **admin)).json()
        await call("GET /v1/admin/webhooks", "/v1/admin/webhooks?limit=2", **admin)
        at = f"/v1/admin/webhooks/{hooked['id']}"
        await call("GET /v1/admin/webhooks/{endpoint_id}", at, **admin)
        await call("POST /v1/admin/webhooks/{endpoint_id}/rotate-secret", f"{at}/rotate-secret", **admin)
        await call("POST /v1/admin/webhooks/{endpoint_id}/enable", f"{at}/enable", **admin)
        for collection, draft in DRAFTS.items():
            base = f"/v1/admin/{collection}"
            item = f"{base}/{draft['slug']}"
            made = await call(f"POST {base}", base, body=draft, **admin)
            await call(f"GET {base}/{{slug}}", item, **admin)
            change = {"summary": draft["summary"].replace(".", ", for most people.", 1)}
            patched = await call(
                f"PATCH {base}/{{slug}}", item, body=change, **admin, **{"If-Match": made.headers["etag"]}
            )
            published = await call(
                f"POST {base}/{{slug}}/publish", f"{item}/publish", **admin, **{"If-Match": patched.headers["etag"]}
            )
            unpublished = await call(
                f"POST {base}/{{slug}}/unpublish",
                f"{item}/unpublish",
                **admin,
                **{"If-Match": published.headers["etag"]},
            )
            await call(f"GET {base}/{{slug}}/revisions", f"{item}/revisions?limit=2", **admin)
            await call(f"DELETE {base}/{{slug}}", item, **admin, **{"If-Match": unpublished.headers["etag"]})
        await call("GET /v1/admin/audit", "/v1/admin/audit?limit=2", **admin)
        await call("GET /v1/changes", f"/v1/changes?since={cursor}&limit=2")
        await call("DELETE /v1/admin/webhooks/{endpoint_id}", at, **admin)
        # Registration resolves the URL, so the call uses an address; the example shows a name.
        text = orjson.dumps(recorder.examples).replace(PUBLIC_HOOK.encode(), b"https://clinic.example/hooks/backpain")
        recorded: dict[str, dict[str, Any]] = orjson.loads(text)
        return recorded


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/examples.db"
        migrate_and_seed(url)
        examples = asyncio.run(record(url))
    TARGET.write_bytes(orjson.dumps(examples, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    print(f"{sum(len(entry) for entry in examples.values())} examples for {len(examples)} operations")


if __name__ == "__main__":
    main()
