"""The OpenAPI document and the interactive docs, served as prepared, cacheable representations."""

from functools import cache
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html

from app.core.errors import PROBLEM_MEDIA_TYPE, problem_responses
from app.core.http import PreparedResponse, Representation, represent

# What the edge may answer before any route: an unknown key, a key used from another origin, or
# a caller over its rate limit.
_EDGE_PROBLEMS = problem_responses(401, 403, 429)
_EDGE_PROBLEMS[429]["headers"] = {
    "Retry-After": {"description": "Seconds until the limit resets.", "schema": {"type": "integer"}}
}
_RATE_HEADERS = {
    "RateLimit-Policy": {
        "description": 'The caller\'s quota, e.g. `"anonymous";q=60;w=60`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {"description": 'What is left of it, e.g. `"anonymous";r=59;t=42`.', "schema": {"type": "string"}},
}


def _finish(schema: dict[str, Any], unlimited: frozenset[str]) -> dict[str, Any]:
    """Document the edge's answers on every limited operation, and errors as problem+json alone."""
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    for name, path in schema.get("paths", {}).items():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            if name not in unlimited:
                for status, response in _EDGE_PROBLEMS.items():
                    entry = {k: v for k, v in response.items() if k != "model"}
                    entry["content"] = {PROBLEM_MEDIA_TYPE: {"schema": problem_schema}}
                    responses.setdefault(str(status), entry)
                for status, response in responses.items():
                    if status[0] == "2":
                        response.setdefault("headers", {}).update(_RATE_HEADERS)
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and PROBLEM_MEDIA_TYPE in content:
                    response["content"] = {PROBLEM_MEDIA_TYPE: content[PROBLEM_MEDIA_TYPE]}
    return schema


def install_docs(app: FastAPI, *, unlimited: frozenset[str] = frozenset()) -> None:
    """Serve /openapi.json and /docs with ETags, built once per process; `unlimited` paths skip rate limits."""

    @cache
    def openapi_representation() -> Representation:
        return Representation.build(orjson.dumps(_finish(app.openapi(), unlimited)))

    @cache
    def docs_representation() -> Representation:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} docs")
        return Representation.build(bytes(page.body), media_type=b"text/html; charset=utf-8")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> PreparedResponse:
        return represent(openapi_representation(), request.headers.raw)

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> PreparedResponse:
        return represent(docs_representation(), request.headers.raw)
