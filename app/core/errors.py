"""Domain errors and the one place that turns every error into RFC 9457 problem+json."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.core.media import PROBLEM_JSON

logger = logging.getLogger("app.errors")


class ValidationItem(BaseModel):
    """One reason a request was rejected."""

    loc: list[str | int] = Field(
        description="Where the bad value is: the part of the request, then the field.",
        examples=[["query", "limit"]],
    )
    msg: str = Field(description="What is wrong with it.", examples=["Input should be less than or equal to 100"])


class Problem(BaseModel):
    """An RFC 9457 problem detail, sent for every 4xx and 5xx response."""

    type: str = Field(description="A URI naming the kind of problem.", examples=["urn:backpain:problem:not-found"])
    title: str = Field(description="A short summary of the kind of problem.", examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(description="What went wrong with this request.", examples=["No condition has the slug 'foo'."])
    errors: list[ValidationItem] | None = Field(
        default=None, description="Validation problems only: each rejected value."
    )


class AppError(Exception):
    """Base of the domain errors; each subclass fixes a status and a problem type."""

    status: int = 500
    code: str = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class BadRequest(AppError):
    status = 400
    code = "bad-request"


class Unauthorized(AppError):
    """No valid API key: unknown, revoked or missing where one is needed."""

    status = 401
    code = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="backpain"'})


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not-found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Gone(AppError):
    status = 410
    code = "gone"


class PreconditionFailed(AppError):
    status = 412
    code = "precondition-failed"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported-media-type"


class InvalidInput(AppError):
    """A request whose values are wrong; `errors` names each one by `loc`."""

    status = 422
    code = "validation-error"


class TooManyRequests(AppError):
    status = 429
    code = "rate-limited"


class PreconditionRequired(AppError):
    status = 428
    code = "precondition-required"


class ServiceUnavailable(AppError):
    status = 503
    code = "service-unavailable"


def problem_body(status: int, detail: str, *, code: str | None = None) -> dict[str, Any]:
    """The fields of a problem; the only constructor of error bodies, for the app and the server alike."""
    return {
        "type": f"urn:backpain:problem:{code}" if code else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    body = problem_body(status, detail, code=code)
    if errors is not None:
        body["errors"] = errors
    # A problem describes this request at this moment: no cache on the way may keep it (a CDN would
    # otherwise cache a 404 heuristically, and serve it after the item is published).
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_response(exc: AppError) -> Response:
    """The problem response of a domain error, for the handler and for layers in front of the framework."""
    return problem_response(exc.status, exc.detail, code=exc.code, errors=exc.errors, headers=exc.headers)


async def _app_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc)


async def _database_error(_: Request, exc: Exception) -> Response:
    # The transaction was rolled back: nothing of the write remains.
    logger.warning("database unavailable: %s", type(exc).__name__)
    return problem_response(
        503, "The database is unavailable; nothing was changed. Try again.", code=ServiceUnavailable.code
    )


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404:
        detail = "There is nothing at this path."
    elif exc.status_code == 405:
        detail = "This path does not accept that method; see the Allow header."
        headers = exc.headers or {}
        allowed = headers.get("Allow", "").split(", ")
        if "GET" in allowed and "HEAD" not in allowed:  # the edge answers HEAD wherever GET works
            return problem_response(405, detail, headers={**headers, "Allow": ", ".join([*allowed, "HEAD"])})
    return problem_response(exc.status_code, detail, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return problem_response(400, "The body is not valid JSON.", code=BadRequest.code)
    # Only where and what: the rejected input itself is never echoed back.
    errors = [
        {"loc": [str(part) if not isinstance(part, int) else part for part in err["loc"]], "msg": err["msg"]}
        for err in exc.errors()
    ]
    return problem_response(422, "The request has invalid values; see errors.", code="validation-error", errors=errors)


async def _unexpected_error(_: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(500, "Something went wrong on our side.", code="internal-error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the one handler per error family."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(InterfaceError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


_DESCRIPTIONS = {
    400: "The request is malformed, for example an unreadable cursor.",
    401: "The API key is missing, unknown or revoked.",
    403: "The key lacks the scope this needs, or is used from an origin it is not allowed on.",
    404: "Nothing has that slug.",
    409: "The change conflicts with the current content, for example a slug already in use.",
    410: "The cursor is too old to serve; export again.",
    412: "The If-Match ETag is stale: someone changed the item since you read it. Nothing was changed.",
    413: "The request body is over 64 KiB.",
    415: "The request body is not JSON.",
    422: "A parameter has an invalid value; `errors` says which.",
    428: "The write needs an If-Match header with the item's current ETag.",
    429: "Too many requests; wait for Retry-After seconds.",
    500: "An unexpected error on the server.",
    503: "The service cannot answer right now.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can send, each with an example."""
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": _example(status)}
            },
        }
        for status in statuses
    }


def _example(status: int) -> dict[str, Any]:
    code = next((kind.code for kind in _subclasses(AppError) if kind.status == status), _EXTRA_CODES.get(status))
    example: dict[str, Any] = {
        "type": f"urn:backpain:problem:{code or 'error'}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
    }
    if status == 422:
        example["errors"] = [{"loc": ["query", "limit"], "msg": "Input should be less than or equal to 100"}]
    return example


# Problems the edge and the handlers send without a domain error class of their own.
_EXTRA_CODES = {413: "content-too-large", 500: "internal-error"}


def _subclasses(kind: type[AppError]) -> list[type[AppError]]:
    found = list(kind.__subclasses__())
    return found + [deeper for sub in found for deeper in _subclasses(sub)]
