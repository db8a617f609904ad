"""The API's edges that need no database: body limits, media type, unknown query
parameters, error shapes, the 500 answer and the served docs (no lifespan is run)."""

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.errors import MAX_LISTED_ERRORS, validation_details
from api.main import create_app
from infra.settings import get_settings


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def test_declared_oversized_body_is_413_unread(client: TestClient) -> None:
    limit = get_settings().max_body_bytes
    r = client.post(
        "/api/v1/tasks",
        content=b"{" + b" " * limit + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_streamed_oversized_body_is_413(client: TestClient) -> None:
    limit = get_settings().max_body_bytes

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 1024 + 2):
            yield b" " * 1024

    r = client.post(
        "/api/v1/recurrence/preview",
        content=chunks(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    assert r.status_code == 413, r.text


def test_plain_text_body_is_415(client: TestClient) -> None:
    r = client.post("/api/v1/tasks", content=b"title=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.json()["error"]["code"] == "unsupported_media_type"


def test_unknown_query_parameter_is_422(client: TestClient) -> None:
    r = client.get("/api/v1/tasks", params={"stauts": "pending"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["details"]["field"] == "stauts" and "status" in err["message"]


def test_validation_details_are_capped_and_human() -> None:
    many = [{"type": "extra_forbidden", "loc": ("body", f"k{i}"), "msg": "x"} for i in range(5000)]
    field, message, details = validation_details(many)
    assert field == "k0" and message == "Unknown field"
    assert len(details["errors"]) == MAX_LISTED_ERRORS
    assert details["errors_omitted"] == 5000 - MAX_LISTED_ERRORS
    assert len(json.dumps(details)) < 2000
    truncated = [
        {
            "type": "json_invalid",
            "loc": ("body", 12),
            "msg": "JSON decode error",
            "ctx": {"error": "Expecting value"},
        }
    ]
    field, message, _ = validation_details(truncated)
    assert field == "body" and "not valid JSON" in message
    prefixed = [{"type": "value_error", "loc": ("body", "title"), "msg": "Value error, Bad"}]
    assert validation_details(prefixed)[1] == "Bad"


def test_a_500_closes_the_connection() -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("bug")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert r.headers["connection"] == "close"
    assert r.json() == {
        "error": {"code": "internal", "message": "Something went wrong on our side.", "details": {}}
    }


def test_cors_preflight_for_the_web_app(client: TestClient) -> None:
    r = client.options(
        "/api/v1/tasks",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    other = client.options(
        "/api/v1/tasks",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200


def test_metrics_are_not_on_the_public_port(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


def test_a_body_that_is_not_utf8_is_422_naming_the_body(client: TestClient) -> None:
    r = client.post(
        "/api/v1/recurrence/preview",
        content=b"\xff\x50\x33",
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "body"
