"""A new secret version reaches the apps without a restart (FR-055). The Kubernetes Secret
behind the `secretstores.kubernetes` store is the local stand-in for a new Key Vault version:
both stores read their backend at every call, and the apps read their rotating secrets at
use (kept `secretStore.maxAgeSeconds`, re-read at once when a credential is refused).

- SMTP: reminders due before, during and after the sender changes are each delivered once,
  the later ones with the new sender, by the same notification-service pod.
- Token signing key: a token signed with the new key is accepted by todo-api and
  chatbot-mcp at once (the refused signature makes them re-read), the old one stops working
  within max-age, and neither pod restarts."""

import asyncio
import base64
import json
import os
import secrets as random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import httpx2
import jwt
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.cluster.kube import API_URL, NS, app_pods, auth, kubectl, kubectl_json, new_user
from tests.cluster.test_chatbot_mcp import MCP_URL
from tests.staging.platform import Mailbox
from tests.support.stack import eventually

MAILBOX_URL = os.environ.get("P5_MAILBOX_URL", "http://127.0.0.1:8025")


def _max_age(app_id: str) -> float:
    deploy = kubectl_json("-n", NS, "get", "deploy", f"phase5-{app_id}")
    env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
    return float(next(e["value"] for e in env if e["name"] == "SECRET_MAX_AGE_SECONDS"))


def _read(name: str) -> str:
    data = kubectl_json("-n", NS, "get", "secret", name)["data"][name]
    return base64.b64decode(data).decode()


def _write(name: str, value: str) -> None:
    """Through stdin: the value never appears on a command line."""
    patch = {"data": {name: base64.b64encode(value.encode()).decode()}}
    kubectl(
        "-n",
        NS,
        "patch",
        "secret",
        name,
        "--type",
        "merge",
        "--patch-file",
        "/dev/stdin",
        stdin=json.dumps(patch),
    )


def _incarnations(app_id: str) -> set[tuple[str, int]]:
    """(pod uid, restarts of its containers) of every pod of the app."""
    return {
        (p["metadata"]["uid"], sum(c["restartCount"] for c in p["status"]["containerStatuses"]))
        for p in app_pods(app_id)
    }


@pytest.fixture
def rotated() -> Iterator[list[tuple[str, str]]]:
    """Secrets the test changed, put back afterwards: [(name, original value)]."""
    changed: list[tuple[str, str]] = []
    yield changed
    for name, value in reversed(changed):
        _write(name, value)


@pytest.mark.usefixtures("cluster")
def test_a_new_smtp_sender_reaches_in_flight_reminders_without_a_restart(
    api: httpx.Client, rotated: list[tuple[str, str]]
) -> None:
    max_age = _max_age("notification-service")
    before = _incarnations("notification-service")
    user, mailbox = new_user(), Mailbox(MAILBOX_URL)
    email = f"rotation-{uuid.uuid4().hex[:12]}@example.test"
    headers = auth(user)
    assert api.put("/me/notifications", json={"email": email}, headers=headers).status_code == 200
    old_sender = _read("smtp-from")
    new_sender = f"rotated-{uuid.uuid4().hex[:8]}@todo.local"

    def remind_at(at: datetime) -> str:
        body = {
            "title": f"rotation {uuid.uuid4().hex[:8]}",
            "due_at": at.isoformat(),
            "reminders": ["0m"],
        }
        r = api.post("/tasks", json=body, headers=headers)
        assert r.status_code == 201, r.text
        task_id: str = r.json()["task_id"]
        return task_id

    # Reminders due every 8 s from 20 s on: some before the rotation, some in the window
    # where the old value may still be kept, some after it.
    start = datetime.now(UTC)
    tasks = [remind_at(start + timedelta(seconds=20 + 8 * i)) for i in range(8)]
    eventually(lambda: mailbox.messages(email), timeout=120, interval=1)
    rotated.append(("smtp-from", old_sender))
    _write("smtp-from", new_sender)
    rotated_at = time.time()
    # One more, due well after max-age: it must carry the new sender.
    tasks.append(remind_at(datetime.now(UTC) + timedelta(seconds=max_age + 10)))

    def all_delivered() -> list[dict[str, Any]] | None:
        seen = mailbox.messages(email)
        return seen if len(seen) >= len(tasks) else None

    mails = eventually(all_delivered, timeout=240, interval=2)
    assert len(mails) == len(tasks), [m["subject"] for m in mails]
    assert len({m["reminder_id"] for m in mails}) == len(tasks), "a reminder was sent twice"
    senders = {m["from"] for m in mails}
    assert senders <= {old_sender, new_sender}, senders
    for m in mails:
        if m["received_at"] < rotated_at:
            assert m["from"] == old_sender, m
        elif m["received_at"] > rotated_at + max_age + 2:
            assert m["from"] == new_sender, m
    assert max(mails, key=lambda m: m["received_at"])["from"] == new_sender
    assert any(m["from"] == old_sender for m in mails)
    assert _incarnations("notification-service") == before, "notification-service restarted"


def _signed(key: str, user: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": user, "iat": now, "exp": now + 600}, key, algorithm="HS256")


async def _api_answers(token: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.get(f"{API_URL}/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    return r.status_code


async def _mcp_answers(token: str) -> bool:
    try:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h,
            Client(streamable_http_client(MCP_URL, http_client=h)) as client,
        ):
            return bool((await client.list_tools()).tools)
    except Exception:
        return False


async def _eventually_async(probe: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        assert time.monotonic() < deadline, f"not within {within:.0f} s"
        await asyncio.sleep(1)


@pytest.mark.usefixtures("cluster")
async def test_a_new_signing_key_is_honoured_by_the_api_and_the_mcp_server_without_a_restart(
    rotated: list[tuple[str, str]],
) -> None:
    max_age = max(_max_age("todo-api"), _max_age("chatbot-mcp"))
    before = {a: _incarnations(a) for a in ("todo-api", "chatbot-mcp")}
    old_key, new_key = _read("better-auth-secret"), random.token_urlsafe(48)
    user = new_user()
    old, new = _signed(old_key, user), _signed(new_key, user)
    assert await _api_answers(old) == 200 and await _mcp_answers(old)
    assert await _api_answers(new) == 401 and not await _mcp_answers(new)

    rotated.append(("better-auth-secret", old_key))
    _write("better-auth-secret", new_key)
    t0 = time.monotonic()
    # The refused signature makes each app read the store again (at most every 5 s).
    await _eventually_async(lambda: _is(_api_answers(new), 200), within=10)
    await _eventually_async(lambda: _mcp_answers(new), within=10)
    accepted_after = time.monotonic() - t0
    assert accepted_after < max_age, "the new key waited for max-age instead of a re-read"
    # The old key is refused once the kept value expires.
    await _eventually_async(lambda: _is(_api_answers(old), 401), within=max_age + 10)
    await _eventually_async(lambda: _not(_mcp_answers(old)), within=max_age + 10)
    for app, pods in before.items():
        assert _incarnations(app) == pods, f"{app} restarted"

    # Put back (the fixture would too): the other tests' tokens work again at once.
    rotated.clear()
    _write("better-auth-secret", old_key)
    await _eventually_async(lambda: _is(_api_answers(old), 200), within=15)
    await _eventually_async(lambda: _mcp_answers(old), within=15)


async def _not(answer: Any) -> bool:
    return not await answer


async def _is(answer: Any, expected: int) -> bool:
    return bool(await answer == expected)
