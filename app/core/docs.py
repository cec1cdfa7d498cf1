"""The OpenAPI document and the interactive docs, served as prepared, cacheable representations."""

import copy
from collections.abc import Callable, Hashable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from app.core.errors import PROBLEM_MEDIA_TYPE, problem_responses
from app.core.http import PreparedResponse, Representation, represent
from app.core.pages import SWAGGER_UI_CDN, content_security_policy, docs_page
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
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                if "request" in recorded and media_type == "application/json":
                    media.setdefault("example", recorded["request"])
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header" and parameter["name"] == "If-Match":
                    # Required, so generated clients send it; a request without it still gets its 428.
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 200}
                elif parameter["in"] == "query":
                    _text_only(parameter["schema"])
            responses = operation.setdefault("responses", {})
            if "304" in responses:
                operation.setdefault("parameters", []).append(_IF_NONE_MATCH_REF)
            for status, response in responses.items():
                for media_type, media in response.get("content", {}).items():
                    found = recorded.get(f"{status} {media_type.split(';')[0]}")
                    if found is not None:
                        media.setdefault("example", found)
            if name not in unlimited:
                operation.setdefault("security", _OPTIONAL_KEY)
                for status, response in _EDGE_PROBLEMS.items():
                    responses.setdefault(status, _entry(response))
            responses.setdefault("422", _entry(_INVALID))
            responses.setdefault("500", _entry(_SERVER_ERROR))
            for status, response in responses.items():
                headers = response.setdefault("headers", {})
                headers.update(_EVERY_RESPONSE_HEADERS)
                if name not in unlimited and status[0] in "24":  # the edge stamps them on every answer it counted
                    headers.update(_RATE_HEADERS)
                if status == "429":
                    headers["Retry-After"] = _RETRY_AFTER
                content = response.get("content", {})
                if status[0] in "45" and PROBLEM_MEDIA_TYPE in content:
                    response["content"] = {PROBLEM_MEDIA_TYPE: content[PROBLEM_MEDIA_TYPE]}
    return schema


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
            media_type=b"text/html; charset=utf-8",
            extra_headers=[(b"content-security-policy", policy)],
            cache_control=cache_control,
        )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> PreparedResponse:
        return represent(openapi_representation(), request.headers.raw)

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> PreparedResponse:
        return represent(docs_representation(), request.headers.raw)
