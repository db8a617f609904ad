"""How API answers become tool results (httpx MockTransport: no network), and how the
conversation store appends under the Dapr state API's ETag rules."""

import json
from typing import Any

import httpx
import pytest
from mcp.server.mcpserver.exceptions import ToolError

from chatbot.api_client import ApiRefused, TodoApi
from chatbot.conversations import DaprConversationStore, ToolCall, state_key
from chatbot.tools import conversation_of


def _api(status: int, body: Any = None, *, raise_transport: bool = False) -> TodoApi:
    def handler(request: httpx.Request) -> httpx.Response:
        if raise_transport:
            raise httpx.ConnectError("refused", request=request)
        assert request.headers["authorization"] == "Bearer tok"
        return httpx.Response(status, json=body)

    return TodoApi(httpx.AsyncClient(base_url="http://api", transport=httpx.MockTransport(handler)))


def _error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, _error("unauthorized", "Token has expired."), "sign in again"),
        (404, _error("not_found", "Series not found."), "No such series"),
        (409, _error("conflict", "This series is deleted."), "This series is deleted."),
        (
            422,
            _error("invalid", "Unknown time zone", field="recurrence.timezone"),
            "refused (recurrence.timezone): Unknown time zone",
        ),
        (503, _error("unavailable", "db down"), "unavailable right now; nothing was changed"),
        (500, None, "unavailable right now"),
    ],
)
async def test_api_errors_read_as_sentences(status: int, body: Any, expected: str) -> None:
    with pytest.raises(ApiRefused) as caught:
        await _api(status, body).call("GET", "/series/x", "tok", what="series")
    assert expected in str(caught.value)
    assert caught.value.status == status
    assert isinstance(caught.value, ToolError)


async def test_unreachable_api_is_a_tool_error_not_a_crash() -> None:
    with pytest.raises(ApiRefused, match="cannot be reached"):
        await _api(200, raise_transport=True).call("GET", "/series", "tok")


def test_conversation_header_names_the_conversation_else_the_session() -> None:
    assert conversation_of({"conversation-id": " c-1 "}, "sess") == "c-1"
    assert conversation_of({}, "sess") == "sess"
    assert conversation_of(None, None) == "default"
    with pytest.raises(ToolError):
        conversation_of({"conversation-id": "x" * 129}, None)


def test_state_keys_separate_users_sharing_a_conversation_id() -> None:
    assert state_key("alice", "c") != state_key("mallory", "c")
    assert state_key("a\x00b", "c") != state_key("a", "b\x00c")


async def test_append_retries_when_another_call_wrote_first() -> None:
    saved: list[dict[str, Any]] = []
    stored: dict[str, Any] = {
        "calls": [{"tool": "create_recurring_task", "arguments": {}, "ok": True, "series_id": "s1"}]
    }
    conflicts = iter([True, False])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=stored, headers={"etag": "7"})
        item = json.loads(request.content)[0]
        saved.append(item)
        if next(conflicts):
            return httpx.Response(
                409, json={"errorCode": "ERR_STATE_SAVE", "message": "possible etag mismatch"}
            )
        return httpx.Response(204)

    store = DaprConversationStore(
        httpx.AsyncClient(base_url="http://dapr", transport=httpx.MockTransport(handler)),
        "conversationstore",
        3600,
    )
    await store.record("alice", "c", ToolCall("skip_next_occurrence", {}, ok=True))
    assert len(saved) == 2
    last = saved[-1]
    assert last["etag"] == "7" and last["options"] == {"concurrency": "first-write"}
    assert last["metadata"] == {"ttlInSeconds": "3600"}
    assert [c["tool"] for c in last["value"]["calls"]] == [
        "create_recurring_task",
        "skip_next_occurrence",
    ]
    calls = await store.calls("alice", "c")
    assert calls[0].series_id == "s1"
