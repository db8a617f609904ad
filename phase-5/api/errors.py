"""The API's error hierarchy, documented in one place. Every error a client sees has the shape
{"error": {"code", "message", "details"}}; nothing leaks a stack trace.

    ApiError (400 bad_request)
      Unauthorized (401)  NotFound (404)  Conflict (409)  Busy (409, retry)
      PayloadTooLarge (413)  UnsupportedMediaType (415)  Invalid (422)  TooManyRequests (429)
      Unavailable (503)

A 422 always carries `details.field` (the first bad field) and `details.errors` (at most
MAX_LISTED_ERRORS of them, `details.errors_omitted` counting the rest). A 500 closes the
connection (`Connection: close`): the server cannot vouch for the connection's state."""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 10
MAX_MESSAGE_CHARS = 300
# PostgreSQL: deadlock_detected, serialization_failure, lock_not_available.
_RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}
_FASTAPI_BODY_ERROR = "There was an error parsing the body"


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class NotFound(ApiError):
    """Also what another user's resource looks like: its existence is never revealed."""

    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Busy(ApiError):
    """Another request changed the same data at the same moment; repeating succeeds."""

    status, code = 409, "concurrent_change"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Invalid(ApiError):
    status, code = 422, "invalid"

    def __init__(self, field: str, message: str) -> None:
        listed = [{"field": field, "message": message}]
        super().__init__(message, {"field": field, "errors": listed})


class TooManyRequests(ApiError):
    """A per-user limit (open event streams) is reached; retry once one is closed."""

    status, code = 429, "too_many_requests"


class Unavailable(ApiError):
    status, code = 503, "unavailable"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def _human(error: dict[str, Any]) -> str:
    """Pydantic's message, said for a person: no "Value error, " prefix, no internals."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return f"The body is not valid JSON ({ctx.get('error', 'syntax error')})"
    if kind == "missing":
        return "This field is required"
    if kind == "extra_forbidden":
        return "Unknown field"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "Must be a whole number"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return "Must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z"
    if kind == "uuid_parsing":
        return "Must be an id (UUID)"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "Must be a JSON object"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return message[:MAX_MESSAGE_CHARS]


def validation_details(errors: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    """(field, message, details) for a list of pydantic errors, the list capped."""
    if not errors:
        errors = [{"loc": (), "msg": "invalid request"}]
    listed = [
        {"field": _field_of(tuple(e.get("loc", ()))), "message": _human(e)}
        for e in errors[:MAX_LISTED_ERRORS]
    ]
    first = listed[0]
    if errors[0].get("type") == "json_invalid":
        first["field"] = "body"
    details: dict[str, Any] = {"field": first["field"], "errors": listed}
    if len(errors) > MAX_LISTED_ERRORS:
        details["errors_omitted"] = len(errors) - MAX_LISTED_ERRORS
    return first["field"], first["message"], details


def _retryable(exc: DBAPIError) -> bool:
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        if getattr(candidate, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
    return False


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        field, message, details = validation_details(list(exc.errors()))
        return JSONResponse(error_body("invalid", f"{field}: {message}", details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_ERROR:
            # FastAPI's answer to a body it cannot decode (not UTF-8): a bad body is a 422
            # like any other, naming the body.
            invalid = Invalid("body", "The body is not valid JSON (it must be UTF-8 text)")
            return await _api_error(request, invalid)
        code = {
            400: "bad_request",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media_type",
        }.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, exc.headers)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if _retryable(exc):
            # The lock order (series before task) makes this rare; when PostgreSQL still
            # picks a victim, the transaction is rolled back whole and a retry succeeds.
            log.warning("concurrent change refused: %s", type(exc.orig).__name__)
            busy = Busy("Someone changed this at the same moment; repeat the request.")
            return await _api_error(request, busy)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(
            error_body("internal", "Something went wrong on our side."),
            500,
            headers={"Connection": "close"},
        )


def json_error(status: int, code: str, message: str) -> bytes:
    return json.dumps(error_body(code, message)).encode()
