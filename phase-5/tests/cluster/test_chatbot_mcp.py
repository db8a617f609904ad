"""The chatbot's MCP server on the cluster: the MCP SDK's own client over streamable HTTP
(through the port-forward to svc/phase5-chatbot-mcp) with a user's token creates a series
that todo-api then serves, the conversation lands in the chat-history store (its own table,
through chatbot-mcp's sidecar), and the NetworkPolicy lets only labelled MCP clients in."""

import json
import os
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
from tests.cluster.kube import (
    API_URL,
    NS,
    RELEASE,
    app_pods,
    auth,
    kubectl,
    kubectl_json,
    new_user,
    psql,
    secrets,
)
from tests.cluster.test_network_policy import (
    PROBE,
    _probe_pod,
    _reach,
    start_probes,
    stop_probes,
)
from tests.support.stack import eventually

MCP_URL = os.environ.get("P5_MCP_URL", "http://127.0.0.1:8003/mcp")


@asynccontextmanager
async def chat(headers: dict[str, str]) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(MCP_URL, http_client=http)) as client,
    ):
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> tuple[bool, str]:
    result = await client.call_tool(tool, arguments)
    return bool(result.is_error), "\n".join(getattr(c, "text", "") for c in result.content)


@pytest.mark.usefixtures("cluster")
async def test_a_tool_call_with_a_user_token_creates_a_series_through_the_api() -> None:
    user, conversation = new_user(), f"conv-{uuid.uuid4()}"
    headers = {**auth(user), "Conversation-Id": conversation}
    title = f"Water the plants {uuid.uuid4().hex[:8]}"
    async with chat(headers) as client:
        failed, text = await call(
            client,
            "create_recurring_task",
            title=title,
            rule="every Monday at 9 AM",
            timezone="Europe/Paris",
        )
        assert not failed, text
        # No series_id: "the series just created" comes from the stored conversation.
        failed, upcoming = await call(client, "upcoming_occurrences")
        assert not failed and upcoming.startswith(f'"{title}" (active)'), upcoming
    async with httpx.AsyncClient(timeout=30) as http:
        page = (await http.get(f"{API_URL}/api/v1/series", headers=auth(user))).json()
    assert [s["title"] for s in page["items"]] == [title]
    rows = psql(
        "SELECT value FROM chatbot_conversations "
        f"WHERE key = 'chatbot-mcp||{state_key(user, conversation)}'"
    )
    assert rows, "the conversation was not stored in the chat-history state store"
    calls = json.loads(rows[0][0])["calls"]
    assert [c["tool"] for c in calls] == ["create_recurring_task", "upcoming_occurrences"]
    assert calls[0]["series_id"] == page["items"][0]["series_id"]


@pytest.mark.usefixtures("cluster")
def test_without_a_valid_token_no_tool_runs() -> None:
    forged = "Bearer " + "x" * 40
    for headers in ({}, {"Authorization": forged}):
        r = httpx.post(
            MCP_URL,
            headers={**headers, "Accept": "application/json, text/event-stream"},
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            timeout=30,
        )
        assert r.status_code == 401, r.text
    assert secrets()["better-auth-secret"] not in r.text


@pytest.fixture
def mcp_probes(cluster: None) -> Any:
    image = kubectl_json("-n", NS, "get", "deploy", f"{RELEASE}-todo-api")["spec"]["template"][
        "spec"
    ]["containers"][0]["image"]
    suffix = uuid.uuid4().hex[:6]
    allowed, denied = f"mcp-allowed-{suffix}", f"mcp-denied-{suffix}"
    # Both may send anywhere (open_egress): what refuses one is the server's ingress policy.
    base = {"app.kubernetes.io/instance": RELEASE, "phase5.io/np-probe": suffix}
    pods = [
        _probe_pod(allowed, {**base, "phase5.io/mcp-client": "true"}, image),
        # An API client may call todo-api, not the MCP server.
        _probe_pod(denied, {**base, "phase5.io/api-client": "true"}, image),
    ]
    try:
        start_probes(suffix, pods)
        yield allowed, denied
    finally:
        stop_probes(suffix, [allowed, denied])


def test_only_labelled_mcp_clients_reach_the_server_and_it_reaches_no_kafka(
    mcp_probes: tuple[str, str],
) -> None:
    allowed, denied = mcp_probes
    ip = kubectl_json("-n", NS, "get", "svc", f"{RELEASE}-chatbot-mcp")["spec"]["clusterIP"]
    targets = json.dumps([["mcp", ip, 8003]])
    eventually(lambda: _reach(allowed, targets)["mcp"], timeout=60, interval=1)
    assert _reach(denied, targets) == {"mcp": False}
    # The MCP server's own pod: its sidecar reaches PostgreSQL, nothing reaches Kafka.
    pod = app_pods("chatbot-mcp")[0]["metadata"]["name"]
    stores = {
        s: kubectl_json("-n", NS, "get", "svc", f"{RELEASE}-{s}")["spec"]["clusterIP"]
        for s in ("kafka", "postgres", "todo-api")
    }
    seen = _reach_from(
        pod,
        [
            ["kafka", stores["kafka"], 9092],
            ["postgres", stores["postgres"], 5432],
            ["todo-api", stores["todo-api"], 8000],
        ],
    )
    assert seen == {"kafka": False, "postgres": True, "todo-api": True}


def _reach_from(pod: str, targets: list[list[Any]]) -> dict[str, bool]:
    out = kubectl(
        "-n",
        NS,
        "exec",
        pod,
        "-c",
        "app",
        "--",
        "python",
        "-c",
        PROBE,
        json.dumps(targets),
        timeout=60,
    )
    result: dict[str, bool] = json.loads(out)
    return result
