"""The OpenAPI document tells the truth: error schema on every 4xx, a bearer scheme,
readable unique operationIds."""

from typing import Any

import pytest

from api.main import create_app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_app().openapi()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        if path.startswith("/api/")
        for method, op in item.items()
    ]


def test_every_4xx_uses_the_error_schema(doc: dict[str, Any]) -> None:
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["error"]
    for method, path, op in _operations(doc):
        codes = [c for c in op["responses"] if c.startswith("4")]
        assert "422" in codes, (method, path)
        for code in codes:
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_bearer_scheme_instead_of_an_authorization_parameter(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for method, path, op in _operations(doc):
        names = [p["name"].lower() for p in op.get("parameters", [])]
        assert "authorization" not in names, (method, path)
        # The feed is authenticated by the secret in its URL (calendar apps send no header).
        if path not in ("/api/v1/push/public-key", "/api/v1/calendar/{token}.ics"):
            assert op["security"] == [{"HTTPBearer": []}], (method, path)
            assert "401" in op["responses"]


def test_operation_ids_are_readable_and_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    assert {"create_task", "list_tasks", "list_series", "update_series", "reopen_task"} <= set(ids)
    assert all("_api_v1_" not in i for i in ids)


def test_timestamps_are_documented_as_utc_and_local_names(doc: dict[str, Any]) -> None:
    series = doc["components"]["schemas"]["SeriesPublic"]["properties"]
    assert "start_local" in series and "start" not in series
    task = doc["components"]["schemas"]["TaskPublic"]["properties"]
    for name in (
        "recurrence_pattern",
        "recurrence_end_date",
        "upcoming_occurrence",
        "is_recurring",
        "series_id",
        "due_at",
        "reminders",
    ):
        assert name in task
    assert "due_date" not in task
