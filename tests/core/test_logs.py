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
    assert redact(f"/v1/causes?cursor=abc&x={SECRET_KEY}") == "/v1/causes?cursor=abc&x=[redacted]"
    assert redact(f"/v1/causes?{SECRET_KEY}") == "/v1/causes?bpk_[redacted]"  # a key pasted as a name
    assert redact("/v1/causes?limit=2") == "/v1/causes?limit=2"
    assert redact("/healthz") == "/healthz"


def test_parameters_are_judged_by_their_decoded_name() -> None:
    """`%71` is served as `q`; `+` and case do not hide a name either."""
    assert redact("/v1/search?%71=my+sore+back") == "/v1/search?%71=[redacted]"
    assert redact("/v1/search?%51=x&Q=y") == "/v1/search?%51=[redacted]&Q=[redacted]"
    assert redact("/v1/conditions?%6C%69%6D%69%74=5") == "/v1/conditions?%6C%69%6D%69%74=5"  # limit


def test_the_infobutton_context_of_a_patient_is_not_logged() -> None:
    target = (
        "/v1/infobutton?mainSearchCriteria.v.c=M54.50&mainSearchCriteria.v.cs=2.16.840.1.113883.6.90"
        "&mainSearchCriteria.v.dn=Low%20back%20pain&age.v.v=47&age.v.u=a"
        "&patientPerson.administrativeGenderCode.c=F&knowledgeResponseType=application/json"
    )
    assert redact(target) == (
        "/v1/infobutton?mainSearchCriteria.v.c=[redacted]&mainSearchCriteria.v.cs=[redacted]"
        "&mainSearchCriteria.v.dn=[redacted]&age.v.v=[redacted]&age.v.u=[redacted]"
        "&patientPerson.administrativeGenderCode.c=[redacted]&knowledgeResponseType=application/json"
    )


def test_a_parameter_nobody_listed_is_redacted() -> None:
    assert redact("/v1/conditions?code=M54.50&whatever=private") == "/v1/conditions?code=[redacted]&whatever=[redacted]"


def test_the_served_access_log_redacts_keys_and_search_terms(databases: EmptyDatabase, tmp_path: Path) -> None:
    url = databases.create()
    migrate_and_seed(url)
    log = tmp_path / "server.log"
    with log.open("wb") as out, served(url, output=out) as base:
        # A list refuses a parameter it does not take (a 422), and the log still hides the key.
        assert httpx.get(f"{base}/v1/conditions", params={"api_key": SECRET_KEY}).status_code == 422
        assert httpx.get(f"{base}/v1/search", params={"q": "my private words", "limit": 2}).status_code == 200
        assert httpx.get(f"{base}/v1/search?%71=encoded+private+words").status_code == 200
        diagnosis = {"mainSearchCriteria.v.c": "M62.830", "mainSearchCriteria.v.dn": "private spasm", "age.v.v": "47"}
        assert httpx.get(f"{base}/v1/infobutton", params=diagnosis).status_code < 500
    logged = log.read_text()
    assert '"GET /v1/conditions?api_key=[redacted] HTTP/1.1" 422' in logged  # the access log was on
    assert '"GET /v1/search?q=[redacted]&limit=2 HTTP/1.1" 200' in logged
    assert SECRET_KEY not in logged
    assert "private" not in logged
    assert "M62.830" not in logged
    assert "47" not in logged.split("infobutton", 1)[1].split("HTTP", 1)[0]
