"""Settings are passed to what uses them, never fetched from the process-wide copy behind the app's back."""

from typing import Any

import pytest

import app.core.db
from app.core.config import Settings
from app.main import create_app
from tests.helpers.apps import serve

pytestmark = pytest.mark.anyio
SHORT = "public, max-age=7, stale-while-revalidate=11"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/conditions/back-spasms",
        "/v1/treatments",
        "/v1/treatments?limit=2&category=self_care",
        "/v1/search?q=heat",
        "/v1/triage/questionnaire",
        "/openapi.json",
        "/docs",
        "/demo",
    ],
)
async def test_the_apps_own_cache_settings_reach_every_public_response(seeded_url: str, path: str) -> None:
    async with serve(seeded_url, cache_max_age=7, cache_stale_while_revalidate=11) as client:
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == SHORT
    async with serve(seeded_url, fast=False, cache_max_age=7, cache_stale_while_revalidate=11) as client:
        assert (await client.get(path)).headers["cache-control"] == SHORT  # the routes as well as the fast path


async def test_json_ld_follows_the_settings_too(seeded_url: str) -> None:
    async with serve(seeded_url, cache_max_age=7, cache_stale_while_revalidate=11) as client:
        linked = await client.get("/v1/conditions/back-spasms", headers={"Accept": "application/ld+json"})
        assert linked.headers["cache-control"] == SHORT


def test_the_apps_connect_timeout_reaches_its_engine(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict[str, Any]] = []
    real = app.core.db.create_engine  # type: ignore[attr-defined]

    def recording(url: str, **options: Any) -> Any:
        made.append(options)
        return real(url, **options)

    monkeypatch.setattr(app.core.db, "create_engine", recording)
    create_app(Settings(database_url=seeded_url, db_connect_timeout=1))
    assert made[-1]["connect_args"]["timeout" if seeded_url.startswith("sqlite") else "connect_timeout"] == 1


@pytest.mark.parametrize("name", ["publisher_url", "content_license", "public_base_url"])
@pytest.mark.parametrize(
    "url", ['https://x"><script>alert(3)</script>/', "javascript:alert(1)", "https://a b.example/", "https://x\\y/"]
)
def test_addresses_written_into_pages_are_checked_when_the_service_starts(name: str, url: str) -> None:
    """They reach JSON-LD, FHIR and Atom links: a quote or `<` in one would end the attribute that holds it."""
    with pytest.raises(ValueError, match=name):
        Settings.model_validate({name: url})


def test_good_addresses_are_kept_as_written() -> None:
    settings = Settings(
        publisher_url="https://clinic.example",
        content_license="https://creativecommons.org/licenses/by/4.0/",
        public_base_url="http://127.0.0.1:8000",
    )
    assert (settings.publisher_url, settings.public_base_url) == ("https://clinic.example", "http://127.0.0.1:8000")
