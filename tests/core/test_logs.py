"""The access log of the served configuration never records keys or search terms from a URL."""

from pathlib import Path

import httpx

from app.core.logs import redact
from tests.conftest import EmptyDatabase, migrate_and_seed
from tests.net import served

SECRET_KEY = "bpk_Zq3SecretAdminKey0123456789abcdefghijklmnop"


def test_redact_keeps_the_path_and_harmless_parameters() -> None:
    assert redact("/v1/search?q=sciatica%20at%20night&limit=5") == "/v1/search?q=[redacted]&limit=5"
    assert redact(f"/v1/conditions?api_key={SECRET_KEY}") == "/v1/conditions?api_key=[redacted]"
    assert redact(f"/v1/causes?cursor=abc&x={SECRET_KEY}") == "/v1/causes?cursor=abc&x=bpk_[redacted]"
    assert redact("/v1/causes?limit=2") == "/v1/causes?limit=2"
    assert redact("/healthz") == "/healthz"


def test_the_served_access_log_redacts_keys_and_search_terms(databases: EmptyDatabase, tmp_path: Path) -> None:
    url = databases.create()
    migrate_and_seed(url)
    log = tmp_path / "server.log"
    with log.open("wb") as out, served(url, output=out) as base:
        # A list refuses a parameter it does not take (a 422), and the log still hides the key.
        assert httpx.get(f"{base}/v1/conditions", params={"api_key": SECRET_KEY}).status_code == 422
        assert httpx.get(f"{base}/v1/search", params={"q": "my private words", "limit": 2}).status_code == 200
    logged = log.read_text()
    assert '"GET /v1/conditions?api_key=[redacted] HTTP/1.1" 422' in logged  # the access log was on
    assert '"GET /v1/search?q=[redacted]&limit=2 HTTP/1.1" 200' in logged
    assert SECRET_KEY not in logged
    assert "private" not in logged
