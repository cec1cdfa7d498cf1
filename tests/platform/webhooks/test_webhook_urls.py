"""Webhook URLs the HTTP client could not send to, or that no host could answer on, are a 422 problem naming
the url field when registered, never a 500 and never a row that breaks delivery later."""

from collections.abc import Callable

import pytest

from app.platform.webhooks.urls import UnsafeUrl, check_url
from tests.helpers.apps import serve
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio

MALFORMED = [
    ("http://127.0.0.1:9/ok\u0001", "not a valid URL"),  # a control character: httpx refuses to send it
    ("https://8.8.8.8/ok\u0001", "not a valid URL"),
    ("https://a[b", "not a valid host name"),
    ("https://[93.184.216.34]/", "not a valid URL"),  # brackets hold an IPv6 address only
    ("https://8.8.8.8:0/", "port"),
    ("https://8.8.8.8:65536/", "port"),
    ("https://exa%20mple.org/", "not a valid host name"),
]


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
async def test_a_malformed_url_is_a_422_naming_the_field(
    fresh_url: str, key_for: Callable[..., str], url: str, reason: str
) -> None:
    admin = key_for("admin")
    async with serve(fresh_url, webhooks_allow_loopback=True) as client:
        response = await client.post(
            "/v1/admin/webhooks", json={"url": url, "events": ["content.published"]}, headers=bearer(admin)
        )
        listed = (await client.get("/v1/admin/webhooks", headers=bearer(admin))).json()
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert [error["loc"] for error in problem["errors"]] == [["body", "url"]]
    assert reason in problem["errors"][0]["msg"]
    assert listed["data"] == []


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
def test_the_check_refuses_what_the_client_cannot_send(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        check_url(url, allow_loopback=True)


@pytest.mark.parametrize(
    "url",
    ["https://8.8.8.8:8443/hooks?a=1", "HTTPS://8.8.8.8/x", "https://[2001:4860:4860::8888]/hooks"],
)
def test_well_formed_public_urls_pass(url: str) -> None:
    check_url(url, allow_loopback=False)
