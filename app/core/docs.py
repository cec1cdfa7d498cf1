"""The OpenAPI document and the interactive docs, served as prepared, cacheable representations."""

from functools import cache
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html

from app.core.errors import PROBLEM_MEDIA_TYPE
from app.core.http import PreparedResponse, Representation, represent


def _problems_only_as_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are documented as application/problem+json alone."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and PROBLEM_MEDIA_TYPE in content:
                    response["content"] = {PROBLEM_MEDIA_TYPE: content[PROBLEM_MEDIA_TYPE]}
    return schema


def install_docs(app: FastAPI) -> None:
    """Serve /openapi.json and /docs with ETags, built once per process."""

    @cache
    def openapi_representation() -> Representation:
        return Representation.build(orjson.dumps(_problems_only_as_problem_json(app.openapi())))

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
