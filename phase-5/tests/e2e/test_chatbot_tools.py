"""The chatbot's MCP tools on the real stack, called with the MCP SDK's own client over
streamable HTTP (chatbot-mcp on 127.0.0.1:8003), checked through the public API and the
Dapr state store's table."""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from chatbot.conversations import state_key
from tests.support.stack import API, CHATBOT, auth, eventually, log_files, new_user, query, token

MCP_URL = f"{CHATBOT.url}/mcp"


@asynccontextmanager
async def chat(user: str, conversation: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token(user)}"}
    if conversation:
        headers["Conversation-Id"] = conversation
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(MCP_URL, http_client=http)) as client,
    ):
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> tuple[bool, str]:
    result = await client.call_tool(tool, arguments)
    text = "\n".join(getattr(c, "text", "") for c in result.content)
    return bool(result.is_error), text


def api_get(path: str, user: str, **params: Any) -> Any:
    r = httpx.get(f"{API.url}/api/v1{path}", params=params, headers=auth(user), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def only_series(user: str) -> dict[str, Any]:
    page = api_get("/series", user)
    assert page["total"] == 1, page
    series: dict[str, Any] = page["items"][0]
    return series


@pytest.mark.usefixtures("stack")
async def test_every_tool_is_listed_with_a_description() -> None:
    async with chat(new_user()) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {
        "create_recurring_task",
        "list_series",
        "upcoming_occurrences",
        "preview_rule",
        "skip_next_occurrence",
        "edit_occurrence",
        "edit_series",
        "pause_series",
        "resume_series",
        "delete_occurrence",
        "delete_series",
    }
    assert all(t.description for t in tools.values())
    assert "confirm" in tools["delete_series"].input_schema["properties"]


@pytest.mark.usefixtures("stack")
async def test_skip_the_next_one_refers_to_the_series_just_created() -> None:
    user, conversation = new_user(), f"conv-{uuid.uuid4()}"
    async with chat(user, conversation) as client:
        failed, text = await call(
            client,
            "create_recurring_task",
            title="Standup",
            rule="every day at 9 AM",
            timezone="Europe/Paris",
        )
    assert not failed, text
    series = only_series(user)
    assert series["series_id"] in text and "Created" in text
    first = api_get("/tasks", user, series_id=series["series_id"])["items"][0]

    # A later turn, a new MCP connection: the history comes from the Dapr state store.
    async with chat(user, conversation) as client:
        failed, text = await call(client, "skip_next_occurrence")
    assert not failed, text
    assert text.startswith('Skipped "Standup"'), text
    skipped = api_get("/tasks", user, series_id=series["series_id"], status="deleted")["items"]
    assert [t["task_id"] for t in skipped] == [first["task_id"]]

    rows = query(
        "SELECT value FROM chatbot_conversations WHERE key = %s",
        f"chatbot-mcp||{state_key(user, conversation)}",
    )
    assert rows, "the conversation was not stored in the Dapr state store"
    value = rows[0][0] if isinstance(rows[0][0], dict) else json.loads(rows[0][0])
    assert [c["tool"] for c in value["calls"]] == ["create_recurring_task", "skip_next_occurrence"]
    assert value["calls"][0]["series_id"] == series["series_id"]

    # Another conversation of the same user has no "last series".
    async with chat(user, f"conv-{uuid.uuid4()}") as client:
        failed, text = await call(client, "skip_next_occurrence")
    assert failed and "Which series?" in text


@pytest.mark.usefixtures("stack")
async def test_a_user_cannot_reach_another_users_series_or_conversation() -> None:
    alice, mallory, conversation = new_user(), new_user(), f"conv-{uuid.uuid4()}"
    async with chat(alice, conversation) as client:
        await call(client, "create_recurring_task", title="Rent", rule="monthly")
    sid = only_series(alice)["series_id"]
    async with chat(mallory, conversation) as client:
        failed, text = await call(client, "pause_series", series_id=sid)
        assert failed and "No such series" in text
        # Same conversation id, other user: a different history, so no "last series".
        failed, text = await call(client, "delete_series")
        assert failed and "Which series?" in text
    assert only_series(alice)["status"] == "active"


@pytest.mark.usefixtures("stack")
async def test_preview_list_and_upcoming_tell_what_the_api_says() -> None:
    user = new_user()
    async with chat(user) as client:
        failed, text = await call(
            client,
            "preview_rule",
            rule="every Monday and Wednesday at 10 AM",
            timezone="America/New_York",
            count=3,
        )
        assert not failed, text
        assert "BYDAY=MO,WE" in text and "Every Monday and Wednesday at 10:00" in text
        listed = [line for line in text.splitlines() if line.startswith("- ")]
        assert len(listed) == 3 and all(line.split()[1] in ("Mon", "Wed") for line in listed)

        await call(
            client,
            "create_recurring_task",
            title="Gym",
            rule="every Monday at 7 PM",
            timezone="America/New_York",
        )
        failed, listed = await call(client, "list_series")
        assert not failed, listed
        series = only_series(user)
        assert series["series_id"] in listed and '"Gym"' in listed and "active" in listed

        failed, upcoming = await call(client, "upcoming_occurrences")
        assert not failed, upcoming
        pending = api_get("/tasks", user, series_id=series["series_id"], status="pending")
        assert all(t["task_id"] in upcoming for t in pending["items"])
        assert "Later occurrences" in upcoming


@pytest.mark.usefixtures("stack")
async def test_edit_one_occurrence_then_the_series_then_pause_and_resume() -> None:
    user = new_user()
    async with chat(user) as client:
        await call(
            client,
            "create_recurring_task",
            title="Water plants",
            rule="daily at 8 AM",
            timezone="Europe/Berlin",
        )
        sid = only_series(user)["series_id"]
        task = api_get("/tasks", user, series_id=sid)["items"][0]

        failed, text = await call(
            client, "edit_occurrence", task_id=task["task_id"], title="Water plants (balcony)"
        )
        assert not failed, text
        edited = api_get(f"/tasks/{task['task_id']}", user)
        assert edited["title"] == "Water plants (balcony)" and edited["is_exception"]

        failed, text = await call(client, "edit_series", title="Water the plants")
        assert not failed, text
        assert api_get(f"/series/{sid}", user)["title"] == "Water the plants"
        # The edited occurrence keeps its own title.
        assert api_get(f"/tasks/{task['task_id']}", user)["title"] == "Water plants (balcony)"

        failed, text = await call(client, "pause_series")
        assert not failed and "Paused" in text
        assert api_get(f"/series/{sid}", user)["status"] == "paused"
        # Paused: nothing is created until resumed, so nothing is announced as coming.
        failed, text = await call(client, "upcoming_occurrences")
        assert not failed and "(paused)" in text, text
        assert text.endswith("Later occurrences (not created yet):\n- none while paused"), text
        failed, text = await call(client, "list_series")
        assert not failed and "paused; nothing upcoming until resumed" in text, text
        failed, text = await call(client, "resume_series")
        assert not failed and "Resumed" in text
        assert api_get(f"/series/{sid}", user)["status"] == "active"

        failed, text = await call(client, "edit_series", rule="every 2 days at 8 AM")
        assert not failed, text
        assert "INTERVAL=2" in api_get(f"/series/{sid}", user)["rrule"]


@pytest.mark.usefixtures("stack")
async def test_delete_asks_before_removing_all_future_occurrences() -> None:
    user = new_user()
    async with chat(user) as client:
        await call(client, "create_recurring_task", title="Standup", rule="every weekday at 9 AM")
        sid = only_series(user)["series_id"]

        failed, question = await call(client, "delete_series")
        assert not failed
        assert "ALL its future occurrences" in question and "confirm=true" in question
        assert api_get(f"/series/{sid}", user)["status"] == "active"

        failed, text = await call(client, "delete_series", series_id=sid, confirm=True)
        assert not failed and text.startswith('Deleted "Standup"'), text
    assert api_get(f"/series/{sid}", user)["status"] == "deleted"
    assert api_get("/tasks", user, series_id=sid, status="pending")["total"] == 0


@pytest.mark.usefixtures("stack")
async def test_delete_one_occurrence_keeps_the_series() -> None:
    user = new_user()
    async with chat(user) as client:
        await call(client, "create_recurring_task", title="Walk", rule="daily at 6 PM")
        sid = only_series(user)["series_id"]
        task = api_get("/tasks", user, series_id=sid)["items"][0]
        failed, text = await call(client, "delete_occurrence", task_id=task["task_id"])
        assert not failed, text
    assert api_get("/tasks", user, series_id=sid, status="deleted")["total"] == 1
    assert api_get(f"/series/{sid}", user)["status"] == "active"


@pytest.mark.usefixtures("stack")
async def test_api_refusals_become_clear_tool_errors() -> None:
    user = new_user()
    async with chat(user) as client:
        failed, text = await call(client, "create_recurring_task", title="X", rule="every blursday")
        assert failed and "refused" in text, text
        failed, text = await call(client, "preview_rule", rule="daily", timezone="Mars/Olympus")
        assert failed and "timezone" in text.lower(), text
        failed, text = await call(client, "skip_next_occurrence", series_id="not-an-id")
        assert failed and "not a series id" in text, text
        failed, text = await call(client, "edit_occurrence", task_id=str(uuid.uuid4()), title="x")
        assert failed and "No such task" in text, text
        failed, text = await call(client, "edit_occurrence", task_id=str(uuid.uuid4()))
        assert failed and "Nothing to change" in text, text
    assert api_get("/series", user)["total"] == 0


@pytest.mark.usefixtures("stack")
def test_a_missing_or_bad_token_is_refused_at_the_door() -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        r = httpx.post(
            MCP_URL,
            headers={**headers, "Accept": "application/json, text/event-stream"},
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            timeout=10,
        )
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"].lower().startswith("bearer")


@pytest.mark.usefixtures("stack")
def test_the_mcp_server_answers_only_loopback_host_names() -> None:
    r = httpx.post(
        MCP_URL,
        headers={
            "Host": "evil.example:8003",
            "Authorization": f"Bearer {token(new_user())}",
            "Accept": "application/json, text/event-stream",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=10,
    )
    assert r.status_code in (400, 421), r.text
    assert eventually(lambda: httpx.get(f"{CHATBOT.url}/healthz", timeout=5).status_code == 200)


def test_no_bearer_token_reaches_a_log() -> None:
    """Runs after the tools above have been called with real tokens (JWTs start "eyJ")."""
    # The processes that see the tokens: the MCP server, its sidecar, and the API it calls.
    seen_by = {"chatbot-mcp.log", "chatbot-mcp-daprd.log", "todo-api.log", "todo-api-daprd.log"}
    logs = {p.name: p.read_text(errors="replace") for p in log_files() if p.name in seen_by}
    assert set(logs) == seen_by and '"user_id": "user-' in logs["chatbot-mcp.log"]
    assert [name for name, text in logs.items() if "eyJ" in text] == []
