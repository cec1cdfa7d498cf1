"""The OpenAPI document and the interactive docs, served as prepared, cacheable representations."""

import copy
from collections.abc import Callable, Hashable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from app.core.errors import problem_responses
from app.core.html import SWAGGER_UI_CDN, content_security_policy, docs_page
from app.core.media import HTML, JSON, PROBLEM_JSON, content_type
from app.core.representation import PreparedResponse, Representation, represent
from app.core.text import TEXT_PATTERN

# What the edge may answer before any route: an unknown key, a key used from another origin, or
# a caller over its rate limit.
_EDGE_PROBLEMS = {str(status): entry for status, entry in problem_responses(401, 403, 429).items()}
# Any operation can fail unexpectedly; the one handler answers with a problem.
_SERVER_ERROR = problem_responses(500)[500]
# The edge refuses a query parameter holding a control character on every path (app.core.text).
_INVALID = problem_responses(422)[422]
_RETRY_AFTER = {
    "description": "Seconds until the limit resets.",
    "schema": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 86400},
}
_RATE_HEADERS = {
    "RateLimit-Policy": {
        "description": 'The caller\'s quota, e.g. `"anonymous";q=60;w=60`.',
        "schema": {"type": "string", "maxLength": 200},
    },
    "RateLimit": {
        "description": 'What is left of it, e.g. `"anonymous";r=59;t=42`.',
        "schema": {"type": "string", "maxLength": 200},
    },
}
# The edge stamps these on every response, whatever answered it.
_EVERY_RESPONSE_HEADERS = {
    "Access-Control-Allow-Origin": {
        "description": "Any origin may call the API, without credentials.",
        "schema": {"type": "string", "enum": ["*"]},
    },
    "X-Request-ID": {
        "description": "The client's own request id when it is a sane token, otherwise a new one.",
        "schema": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    },
}
# A key is optional on public operations: it raises the caller's rate limit.
_OPTIONAL_KEY: list[dict[str, list[str]]] = [{}, {"bearer": []}, {"apiKey": []}]
TAGS = [
    {"name": "content", "description": "Published guidance: conditions, causes, symptoms, treatments, sources."},
    {"name": "triage", "description": "The questionnaire, and how soon and where to get care."},
    {"name": "search", "description": "Ranked search across every item type."},
    {"name": "sync", "description": "Offline sync for mobile apps: a full export, then changes."},
    {"name": "widget", "description": "The embeddable `<back-pain-guide>` web component and its demo page."},
    {
        "name": "admin: editing",
        "description": "Drafts, publishing and the audit log; needs a key with the `edit` scope.",
    },
    {"name": "admin: keys", "description": "API keys; needs a key with the `admin` scope."},
    {
        "name": "admin: webhooks",
        "description": "Endpoints told of published changes, signed as Standard Webhooks; needs the `admin` scope.",
    },
    {"name": "health", "description": "Liveness and readiness probes; never rate limited."},
    {"name": "operations", "description": "Prometheus metrics; keep them on an internal network."},
]


# One shared definition; its length is bounded with every other header by the server (16 KiB, a 431).
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of copies you hold (from `ETag`); when one is current the answer is a 304 with no body.",
    "schema": {"type": "string"},
}
_IF_NONE_MATCH_REF = {"$ref": "#/components/parameters/IfNoneMatch"}


def operation_id(route: APIRoute) -> str:
    """A short, stable operationId from the route's name: `list_treatments` is `listTreatments`."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


# Request and response examples, recorded from real calls on the seed (python -m tests.openapi.examples).
_EXAMPLES = Path(__file__).with_name("openapi-examples.json")


def _finish(schema: dict[str, Any], unlimited: frozenset[str]) -> dict[str, Any]:
    """Document what the edge adds to every operation, examples, and errors as problem+json alone."""
    examples: dict[str, dict[str, Any]] = orjson.loads(_EXAMPLES.read_bytes())
    schema["tags"] = TAGS
    schema.setdefault("components", {}).setdefault("parameters", {})["IfNoneMatch"] = _IF_NONE_MATCH
    for name, path in schema.get("paths", {}).items():
        for method, operation in path.items():
            recorded = examples.get(f"{method.upper()} {name}", {})
            _finish_operation(operation, recorded=recorded, counted=name not in unlimited)
    return schema


def _finish_operation(operation: dict[str, Any], *, recorded: dict[str, Any], counted: bool) -> None:
    """One operation; `counted` when the edge counts its calls against a rate limit. The order of the steps
    is the order of the document's keys, and examples go only on the responses the route declares."""
    _request_example(operation, recorded)
    _constrain_parameters(operation)
    responses = operation.setdefault("responses", {})
    if "304" in responses:
        operation.setdefault("parameters", []).append(_IF_NONE_MATCH_REF)
    _response_examples(responses, recorded)
    if counted:
        operation.setdefault("security", _OPTIONAL_KEY)
        for status, response in _EDGE_PROBLEMS.items():
            responses.setdefault(status, _entry(response))
    responses.setdefault("422", _entry(_INVALID))
    responses.setdefault("500", _entry(_SERVER_ERROR))
    for status, response in responses.items():
        _edge_headers(status, response, counted=counted)
        _problems_only(status, response)


def _request_example(operation: dict[str, Any], recorded: dict[str, Any]) -> None:
    """The recorded request body, as the example of its JSON form."""
    media = operation.get("requestBody", {}).get("content", {}).get(JSON)
    if media is not None and "request" in recorded:
        media.setdefault("example", recorded["request"])


def _constrain_parameters(operation: dict[str, Any]) -> None:
    """If-Match required and bounded; free-text query parameters without control characters."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"] == "If-Match":
            # Required, so generated clients send it; a request without it still gets its 428.
            parameter["required"] = True
            parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 200}
        elif parameter["in"] == "query":
            _text_only(parameter["schema"])


def _response_examples(responses: dict[str, Any], recorded: dict[str, Any]) -> None:
    """Each recorded response, as the example of its status and media type."""
    for status, response in responses.items():
        for media_type, media in response.get("content", {}).items():
            found = recorded.get(f"{status} {media_type.split(';')[0]}")
            if found is not None:
                media.setdefault("example", found)


def _edge_headers(status: str, response: dict[str, Any], *, counted: bool) -> None:
    """The headers the edge stamps: on every answer, on those it counted, and on a 429."""
    headers = response.setdefault("headers", {})
    headers.update(_EVERY_RESPONSE_HEADERS)
    if counted and status[0] in "24":
        headers.update(_RATE_HEADERS)
    if status == "429":
        headers["Retry-After"] = _RETRY_AFTER


def _problems_only(status: str, response: dict[str, Any]) -> None:
    """An error response that offers problem+json offers it alone."""
    content = response.get("content", {})
    if status[0] in "45" and PROBLEM_JSON in content:
        response["content"] = {PROBLEM_JSON: content[PROBLEM_JSON]}


def _text_only(schema: dict[str, Any]) -> None:
    """State on a free-text query parameter what the edge refuses in any: control characters (a 422)."""
    for option in schema.get("anyOf", [schema]):
        free_text = option.get("pattern", TEXT_PATTERN) == TEXT_PATTERN and "enum" not in option
        if option.get("type") == "string" and free_text:
            option["pattern"] = TEXT_PATTERN


def _entry(response: dict[str, Any]) -> dict[str, Any]:
    """A response entry of its own (each operation gets its own headers), without FastAPI's `model`."""
    return {key: value for key, value in response.items() if key != "model"}


def install_docs(
    app: FastAPI,
    *,
    unlimited: frozenset[str] = frozenset(),
    cache_control: bytes,
    refine: Callable[[dict[str, Any]], None] = lambda _: None,
    version: Callable[[], Hashable] = lambda: None,
) -> None:
    """Serve /openapi.json and /docs with ETags, built once per process; `unlimited` paths skip rate limits."""

    # Built once per `version()` (what `refine` adds from served data, such as the triage ruleset).
    @lru_cache(maxsize=4)
    def built(_: Hashable) -> dict[str, Any]:
        schema = copy.deepcopy(app.openapi())
        refine(schema)
        return _finish(schema, unlimited)

    def document() -> dict[str, Any]:
        return built(version())

    app.state.openapi_document = document

    @lru_cache(maxsize=4)
    def representation(_: Hashable) -> Representation:
        return Representation.build(orjson.dumps(document()), cache_control=cache_control)

    def openapi_representation() -> Representation:
        return representation(version())

    @cache
    def docs_representation() -> Representation:
        page = docs_page(f"{app.title} docs", "/openapi.json")
        # The two files by their full URLs: a source naming a directory without its final slash matches
        # nothing below it. Swagger UI sets styles through element.style, which CSP does not govern, so
        # no 'unsafe-inline' (a browser test renders the page under this policy).
        policy = content_security_policy(
            page, script=f"{SWAGGER_UI_CDN}/swagger-ui-bundle.js", style=f"{SWAGGER_UI_CDN}/swagger-ui.css"
        )
        return Representation.build(
            page,
            media_type=content_type(HTML),
            extra_headers=[(b"content-security-policy", policy)],
            cache_control=cache_control,
        )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> PreparedResponse:
        return represent(openapi_representation(), request.headers.raw)

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> PreparedResponse:
        return represent(docs_representation(), request.headers.raw)
