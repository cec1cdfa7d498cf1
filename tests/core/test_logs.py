"""Redacting a URL for the access log: keys, search terms and a patient's context are left out, the path kept.

test_logs_served.py reads the log of `backpain serve`."""

from app.core.logs import redact

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
