"""The OpenAPI document tells the truth about errors: every operation lists the 4xx it can
return, each with the one error schema `{"error": {"code", "message", "details"}}`.

Which codes apply follows from what an operation has (the same rules the code enforces):
401 with a bearer requirement, 404 with a path parameter, 413 and 415 with a body, 422
always (unknown query parameters are refused everywhere), 409 on every write (a concurrent
change of the same rows); anything else an operation answers (503) is declared on its
route and gets the schema here."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

_DESCRIPTIONS = {
    401: "Missing, expired or invalid bearer token",
    404: "Not found (another user's resource looks the same)",
    409: "Conflicts with the resource's state",
    413: "Body larger than the limit",
    415: "Body is not JSON",
    429: "A per-user limit is reached",
    503: "A dependency is unavailable for the moment",
    422: "Invalid input; details.field names the first bad field",
}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorDetails(BaseModel):
    """Always an object; for a 422, `field` and `errors` are present."""

    model_config = {"extra": "allow"}

    field: str | None = None
    errors: list[FieldError] | None = Field(default=None, max_length=10)
    errors_omitted: int | None = Field(default=None, description="errors not listed")


class Error(BaseModel):
    code: str = Field(description="machine-readable, e.g. not_found, invalid, conflict")
    message: str = Field(description="for a person")
    details: ErrorDetails


class ErrorBody(BaseModel):
    error: Error


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """For a route decorator: the extra error codes it answers."""
    return {code: {"description": _DESCRIPTIONS.get(code, "Error")} for code in codes}


def _codes_of(method: str, operation: dict[str, Any], path: str) -> set[int]:
    codes = {422}
    if operation.get("security"):
        codes.add(401)
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation:
        codes |= {413, 415}
    if method != "get":
        codes.add(409)  # a concurrent change of the same rows (Busy), repeatable
    return codes


def install_error_responses(app: FastAPI, extra_models: tuple[type[BaseModel], ...] = ()) -> None:
    """`extra_models`: schemas routes refer to without returning them as JSON (the data of
    event-stream messages), added to components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, sub in ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        ).pop("$defs", {}).items():
            components[name] = sub
        components["ErrorBody"] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components["ErrorBody"].pop("$defs", None)
        for model in extra_models:
            found_schema = model.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="serialization"
            )
            for name, sub in found_schema.pop("$defs", {}).items():
                components.setdefault(name, sub)
            components[model.__name__] = found_schema
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, item in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in item.items():
                found = operation.setdefault("responses", {})
                declared = {int(c) for c in found if c.isdigit() and 400 <= int(c) < 600}
                for code in sorted(_codes_of(method, operation, path) | declared):
                    found[str(code)] = {
                        "description": _DESCRIPTIONS.get(code)
                        or found.get(str(code), {}).get("description", "Error"),
                        "content": ref,
                    }
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
