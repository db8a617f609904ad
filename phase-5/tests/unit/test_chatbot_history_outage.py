"""When the conversation store is down, a done action still reads as done (the model must
not retry it), and a tool that needs the history says to pass the id. The MCP server runs
in process (the SDK's in-memory connection); the API is an httpx MockTransport."""

import uuid
from typing import Any

import httpx
from mcp import Client
from mcp.server.mcpserver import MCPServer

from chatbot.api_client import TodoApi
from chatbot.conversations import StoreError, ToolCall
from chatbot.tools import Caller, ToolDeps, register

SID = str(uuid.uuid4())


class DownStore:
    async def calls(self, user_id: str, conversation_id: str) -> list[ToolCall]:
        raise StoreError("state store unavailable")

    async def record(self, user_id: str, conversation_id: str, call: ToolCall) -> None:
        raise StoreError("state store unavailable")


def _api() -> tuple[TodoApi, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        body: dict[str, Any] = {
            "task_id": str(uuid.uuid4()),
            "due_at": "2026-12-02T08:00:00Z",
            "series": {
                "series_id": SID,
                "title": "Standup",
                "rule_description": "Every day at 09:00 (Europe/Paris)",
                "timezone": "Europe/Paris",
            },
        }
        return httpx.Response(201, json=body)

    client = httpx.AsyncClient(base_url="http://api", transport=httpx.MockTransport(handler))
    return TodoApi(client), seen


async def test_a_done_action_is_reported_done_when_history_cannot_be_saved() -> None:
    api, seen = _api()
    server: MCPServer[Any] = MCPServer("t")
    register(server, ToolDeps(api, DownStore(), lambda _ctx: Caller("alice", "tok", "c")))
    async with Client(server) as client:
        done = await client.call_tool(
            "create_recurring_task",
            {"title": "Standup", "rule": "every day at 9 AM", "timezone": "Europe/Paris"},
        )
        assert not done.is_error
        text = done.content[0].text  # type: ignore[union-attr]
        assert text.startswith('Created "Standup": Every day at 09:00') and SID in text
        assert "Wed 02 Dec 2026 09:00 (Europe/Paris)" in text

        skip = await client.call_tool("skip_next_occurrence", {})
        assert skip.is_error
        assert "history is unavailable" in skip.content[0].text  # type: ignore[union-attr]
    assert seen == ["POST /api/v1/tasks"]
