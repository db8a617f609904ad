"""todo-api's request metrics: one count and one time per request, labelled by route
template (never the raw path), with the status the client got, errors included."""

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.metrics import RequestMetrics


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestMetrics)

    @app.get("/m/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/m/boom")
    async def boom() -> None:
        raise RuntimeError("unhandled")

    @app.get("/m/stream")
    async def stream() -> StreamingResponse:
        async def chunks():  # type: ignore[no-untyped-def]
            yield b"a"
            yield b"b"

        return StreamingResponse(chunks())

    return app


def _sample(name: str, method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _count(method: str, route: str, status: str) -> float:
    return _sample("http_requests_total", method, route, status)


def _timed(method: str, route: str, status: str) -> float:
    return _sample("http_request_duration_seconds_count", method, route, status)


@pytest.fixture
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


def test_a_request_is_counted_and_timed_by_its_route_template(client: TestClient) -> None:
    before = _count("GET", "/m/items/{item_id}", "200"), _timed("GET", "/m/items/{item_id}", "200")
    assert client.get("/m/items/1").status_code == 200
    assert client.get("/m/items/2").status_code == 200
    assert _count("GET", "/m/items/{item_id}", "200") == before[0] + 2
    assert _timed("GET", "/m/items/{item_id}", "200") == before[1] + 2
    assert _count("GET", "/m/items/1", "200") == 0


def test_the_status_is_what_the_client_got(client: TestClient) -> None:
    before = _count("GET", "/m/items/{item_id}", "422"), _count("GET", "unmatched", "404")
    assert client.get("/m/items/x").status_code == 422
    assert client.get("/m/nowhere/at/all").status_code == 404
    assert _count("GET", "/m/items/{item_id}", "422") == before[0] + 1
    assert _count("GET", "unmatched", "404") == before[1] + 1


def test_an_unhandled_error_counts_as_500(client: TestClient) -> None:
    before = _count("GET", "/m/boom", "500")
    assert client.get("/m/boom").status_code == 500
    assert _count("GET", "/m/boom", "500") == before + 1


def test_a_streamed_response_is_counted_once(client: TestClient) -> None:
    before = _count("GET", "/m/stream", "200")
    assert client.get("/m/stream").content == b"ab"
    assert _count("GET", "/m/stream", "200") == before + 1
