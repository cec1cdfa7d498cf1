"""GET /v1/infobutton: the HL7 Infobutton URL-based request, answered as MedlinePlus Connect answers it."""

from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal, Protocol, cast

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.content.codes import OIDS, SYSTEM_NAMES, parse_token, token
from app.content.items import ItemJson, lookup_in
from app.content.queries import COLLECTION_OF
from app.core.deps import ServicesDep, public_base
from app.core.deps import settings as app_settings
from app.core.errors import InvalidInput, NotFound, problem_responses
from app.core.media import HTML, JSON, XML, content_type
from app.core.openapi_docs import cached_responses
from app.core.representation import Representation, represent
from app.core.text import TEXT_PATTERN
from app.infobutton.knowledge import Entry, atom, entries, json_feed
from app.infobutton.knowledge import Request as Asked
from app.infobutton.matches import Findable, items_named, items_with_code

router = APIRouter(prefix="/v1", tags=["infobutton"])
_XML = content_type(XML)
ResponseType = Literal["text/xml", "application/json", "text/html"]
_NAMED_LIMIT = 5


class InfobuttonView(Findable, Protocol):
    """What the Infobutton route reads from the snapshot in memory: the parsed items, their codes and the
    search index, and the memo its feeds are kept in."""

    cache_control: bytes

    def memo(self, key: Hashable, build: Callable[[], Representation]) -> Representation: ...


def infobutton_view(services: ServicesDep) -> InfobuttonView:
    """The snapshot in memory, read as this domain's view (`app.serving.views` checks that it is one)."""
    return cast(InfobuttonView, services.snapshot())


InfobuttonDep = Annotated[InfobuttonView, Depends(infobutton_view)]

_FEED_EXAMPLE = {
    "feed": {
        "base": "https://api.example.org/",
        "lang": "en",
        "title": {"_value": "Back-pain guidance", "type": "text"},
        "subtitle": {"_value": "Results for ICD-10-CM M62.830", "type": "text"},
        "author": {"name": {"_value": "Back-pain guidance API"}},
        "id": {"_value": "https://api.example.org/v1/infobutton?mainSearchCriteria.v.c=M62.830"},
        "updated": {"_value": "2026-11-25T10:00:00Z"},
        "category": [
            {"scheme": "mainSearchCriteria.v.c", "term": "M62.830"},
            {"scheme": "mainSearchCriteria.v.cs", "term": "2.16.840.1.113883.6.90"},
            {"scheme": "mainSearchCriteria.v.dn", "term": ""},
            {"scheme": "informationRecipient", "term": "PAT"},
            {"scheme": "informationRecipient.languageCode.c", "term": "en"},
        ],
        "entry": [
            {
                "lang": "en",
                "title": {"_value": "Back spasms", "type": "text"},
                "link": [
                    {
                        "href": "https://api.example.org/guide/conditions/back-spasms",
                        "rel": "alternate",
                        "type": HTML,
                    },
                    {
                        "href": "https://api.example.org/v1/conditions/back-spasms",
                        "rel": "related",
                        "type": JSON,
                    },
                ],
                "id": {"_value": "https://api.example.org/v1/conditions/back-spasms"},
                "updated": {"_value": "2026-11-25T10:00:00Z"},
                "summary": {"_value": "A back spasm is when the muscles of the back suddenly tighten.", "type": "text"},
                "source": {
                    "title": {"_value": "Where this guidance comes from", "type": "text"},
                    "link": [
                        {"href": "https://www.nhs.uk/conditions/back-pain/", "rel": "via", "title": "NHS: Back pain"}
                    ],
                },
            }
        ],
    }
}


def _parameter(alias: str, description: str, **constraints: Any) -> Any:
    return Query(alias=alias, description=description, pattern=TEXT_PATTERN, **constraints)


@router.get(
    "/infobutton",
    summary="Guidance for a clinical code (HL7 Infobutton)",
    description="""The HL7 Version 3 Context-Aware Knowledge Retrieval (Infobutton) URL-based request, with the
parameters MedlinePlus Connect documents: an EHR set up for MedlinePlus Connect can point here instead.
Items are found by code (an ICD-10-CM code also finds items coded below it), or by name when only
`mainSearchCriteria.v.dn` is given: the condition first, then red flags, other symptoms and treatments.
An unknown code or code system gets an empty feed; parameters the request does not use are ignored.
The content is in English; the feed says so in its `lang`.""",
    response_class=Response,
    responses={
        **cached_responses(
            {
                "description": "The knowledge response: an Atom feed (`text/xml`, the default) or its JSON form.",
                "content": {
                    JSON: {
                        "schema": {"type": "object", "additionalProperties": True},
                        "example": _FEED_EXAMPLE,
                    },
                    XML: {"schema": {"type": "string", "maxLength": 1048576}},
                },
            }
        ),
        303: {
            "description": "With `knowledgeResponseType=text/html`: to the page of the best match.",
            "headers": {"Location": {"description": "The page.", "schema": {"type": "string", "maxLength": 300}}},
        },
        **problem_responses(404, 422, 503),
    },
)
async def get_infobutton(
    request: Request,
    snapshot: InfobuttonDep,
    code: Annotated[
        str | None, _parameter("mainSearchCriteria.v.c", "The code, e.g. `M62.830`.", max_length=40)
    ] = None,
    code_system: Annotated[
        str | None,
        Query(
            alias="mainSearchCriteria.v.cs",
            description="The code system's OID: `2.16.840.1.113883.6.90` ICD-10-CM, `2.16.840.1.113883.6.96` "
            "SNOMED CT, `2.16.840.1.113883.6.3` ICD-10.",
            pattern=r"^[0-2](\.(0|[1-9][0-9]*))+$",
            max_length=64,
        ),
    ] = None,
    display_name: Annotated[
        str | None,
        _parameter(
            "mainSearchCriteria.v.dn", "The code's name; searched by name when no code is given.", max_length=200
        ),
    ] = None,
    recipient: Annotated[
        Literal["PAT", "PROV"],
        Query(alias="informationRecipient", description="Who reads it: `PAT` patient, `PROV` provider."),
    ] = "PAT",
    language: Annotated[
        str,
        Query(
            alias="informationRecipient.languageCode.c",
            description="The reader's language (`en`, `es`, ...); the content is in English.",
            pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
            max_length=35,
        ),
    ] = "en",
    response_type: Annotated[
        ResponseType,
        Query(
            alias="knowledgeResponseType",
            description="`text/xml` an Atom feed, `application/json` its JSON form, `text/html` a redirect.",
        ),
    ] = "text/xml",
) -> Response:
    """Guidance for a clinical code, as an Atom feed, its JSON form, or a redirect to the best page; a feed
    is built once per request and content version (the memo), lookup included."""
    asked = Asked(code=code, code_system=code_system, display_name=display_name, recipient=recipient, language=language)
    if response_type == HTML:
        items = _find(snapshot, asked)
        if not items:
            raise NotFound("No guidance matches this request.")
        best = items[0]
        return Response(status_code=303, headers={"Location": f"/guide/{COLLECTION_OF[best['type']]}/{best['slug']}"})
    settings = app_settings(request)
    base = public_base(request)
    system = OIDS.get(code_system or "")

    def build() -> Representation:
        lookup = lookup_in(snapshot.items)
        found: list[Entry] = entries(_find(snapshot, asked), base=base, source=lambda slug: lookup("source", slug))
        meta = {
            "title": "Back-pain guidance",
            "publisher": settings.publisher_name,
            "publisher_url": settings.publisher_url or "",
            "base": base,
            "id": f"{base}{request.url.path}?{request.url.query}",
            "updated": max((entry.updated for entry in found), default="2000-01-01T00:00:00Z"),
        }
        name = SYSTEM_NAMES.get(system or "")
        if response_type == JSON:
            feed = orjson.dumps(json_feed(found, asked, meta=meta, system_name=name))
            return Representation.build(feed, cache_control=snapshot.cache_control)
        body = atom(found, asked, meta=meta, system_name=name)
        return Representation.build(body, media_type=_XML, cache_control=snapshot.cache_control)

    chosen = snapshot.memo(("infobutton", asked, response_type, base, request.url.query), build)
    return represent(chosen, request.headers.raw)


def _find(snapshot: InfobuttonView, asked: Asked) -> list[ItemJson]:
    """The matching items; an unknown code system or code finds nothing, a malformed one is refused."""
    if asked.code is None:
        if asked.display_name is None or not asked.display_name.strip():
            raise InvalidInput(
                "Give mainSearchCriteria.v.c with mainSearchCriteria.v.cs, or mainSearchCriteria.v.dn.",
                errors=[{"loc": ["query", "mainSearchCriteria.v.c"], "msg": "field required"}],
            )
        return items_named(snapshot, asked.display_name, limit=_NAMED_LIMIT)
    if asked.code_system is None:
        raise InvalidInput(
            "A code needs its code system.",
            errors=[{"loc": ["query", "mainSearchCriteria.v.cs"], "msg": "field required with mainSearchCriteria.v.c"}],
        )
    system = OIDS.get(asked.code_system)
    if system is None:
        return []
    return items_with_code(snapshot, parse_token(token(system, asked.code), loc=("query", "mainSearchCriteria.v.c")))
