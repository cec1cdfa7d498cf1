"""A source's URL: a web address in RFC 3986's characters, to a domain name, kept exactly as sent."""

from collections.abc import Callable

import pytest

from tests.helpers.apps import serve, served_within_two_seconds
from tests.helpers.keys import bearer

pytestmark = pytest.mark.anyio

SOURCE = {"slug": "leaflet", "name": "Leaflet", "summary": "A leaflet."}
MSG = (
    "Value error, must be an http or https URL to a domain name, without a user name, in the characters RFC 3986 "
    "allows (percent-encode spaces, quotes, <, > and backslashes)"
)
BAD = [
    'https://x"><script>alert(3)</script>/',
    "https://clinic.example/a b",
    "https://clinic .example/",
    " https://clinic.example/",
    'https://clinic.example/"quoted"',
    "https://clinic.example/<b>",
    "https://clinic.example/a>b",
    "https://clinic.example\\@evil.example/",
    "https:\\\\evil.example/",
    "https://clinic.example/{x}|^`",
    "https://a@b/",
    "https://user:pass@clinic.example/",
    "https:///leaflet",
    "https://",
    "https://.example/",
    "https://-clinic.example/",
    "https://clinic_web.example/",
    "javascript:alert(1)",
    "JAVASCRIPT://clinic.example/%0aalert(1)",
    "data:text/html,x",
    "ftp://files.example/a",
    "//clinic.example/a",
    "https://localhost/a",
    "https://127.0.0.1/a",
    "https://[::1]/a",
    "https://clinic.example:0/",
    "https://clinic.example:65536/",
    "https://clinic.example:/",
    "https://clinic.example/%zz",
    "https://clinic.example/a\x01",
    "https://clinic.example/a\n",
]
GOOD = [
    "https://www.nhs.uk/conditions/back-pain/",
    "http://clinic.example",  # stored without the slash a URL parser would add
    "https://doi.org/10.7326/M16-2367",
    "https://Clinic.Example:8443/a/b;c=d?e=f&g=%20h/?#frag/?",
    "https://xn--bcher-kva.example/",
    "https://en.wikipedia.org/wiki/Hodgkin's_lymphoma_(disease)",
    "https://clinic.example/~a-b_c.d!$&*+,=:@/",
    "https://clinic.example/" + "a" * 477,  # 500 characters, the column's length
]


async def test_a_source_url_that_is_not_a_web_address_is_a_422(fresh_url: str, key_for: Callable[..., str]) -> None:
    headers = bearer(key_for("edit"))
    async with serve(fresh_url) as client:
        for url in BAD:
            response = await client.post("/v1/admin/sources", json={**SOURCE, "url": url}, headers=headers)
            assert response.status_code == 422, url
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"] == [{"loc": ["body", "url"], "msg": MSG}], url
        too_long = await client.post(
            "/v1/admin/sources", json={**SOURCE, "url": "https://clinic.example/" + "a" * 478}, headers=headers
        )
        assert too_long.status_code == 422
        assert too_long.json()["errors"] == [
            {"loc": ["body", "url"], "msg": "String should have at most 500 characters"}
        ]
        created = await client.post("/v1/admin/sources", json=SOURCE, headers=headers)
        assert created.status_code == 201
        for url in BAD[:3]:
            patched = await client.patch(
                "/v1/admin/sources/leaflet", json={"url": url}, headers={**headers, "If-Match": created.headers["etag"]}
            )
            assert patched.status_code == 422, url
            assert patched.json()["errors"] == [{"loc": ["body", "url"], "msg": MSG}], url


async def test_a_web_address_is_kept_exactly_as_sent(fresh_url: str, key_for: Callable[..., str]) -> None:
    headers = bearer(key_for("edit"))
    async with serve(fresh_url) as client:
        etags = []
        for index, url in enumerate(GOOD):
            body = {**SOURCE, "slug": f"leaflet-{index}", "url": url}
            created = await client.post("/v1/admin/sources", json=body, headers=headers)
            assert created.status_code == 201, (url, created.text)
            assert created.json()["document"]["url"] == url
            etags.append(created.headers["etag"])
        published = await client.post("/v1/admin/sources/leaflet-1/publish", headers={**headers, "If-Match": etags[1]})
        assert published.status_code == 200, published.text
        shown = await served_within_two_seconds(client, "/v1/sources/leaflet-1", lambda found: "url" in found)
    assert shown["url"] == "http://clinic.example"


async def test_a_publisher_fits_its_column(fresh_url: str, key_for: Callable[..., str]) -> None:
    """Over 200 characters it was taken as a draft, and publishing it was a 500 on PostgreSQL."""
    headers = bearer(key_for("edit"))
    async with serve(fresh_url) as client:
        response = await client.post("/v1/admin/sources", json={**SOURCE, "publisher": "p" * 201}, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"loc": ["body", "publisher"], "msg": "String should have at most 200 characters"}
        ]
        fits = await client.post("/v1/admin/sources", json={**SOURCE, "publisher": "p" * 200}, headers=headers)
        assert fits.status_code == 201
        published = await client.post(
            "/v1/admin/sources/leaflet/publish", headers={**headers, "If-Match": fits.headers["etag"]}
        )
        assert published.status_code == 200
