"""Staging integration tests (FR-043): through the public API only, as a user would.

Events are not visible from outside; each step is proved by what only the event could
cause: the engine generates the next instance only after consuming v1.task.completed from
Kafka, and a reminder mail is sent only after v1.reminder.due went through `alerts`."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.staging.platform import Mailbox, Target, eventually

# Generous for a cloud environment; on the process stack each step takes about a second.
NEXT_INSTANCE_S = 90
REMINDER_S = 180


def _unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


def _create(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/tasks", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def _daily(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "recurrence": {"rule": "daily", "timezone": "UTC"}, **extra}


def _instances(api: httpx.Client, series_id: str, status: str) -> list[dict[str, Any]]:
    r = api.get("/tasks", params={"series_id": series_id, "status": status, "page_size": 50})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _complete(api: httpx.Client, task_id: str) -> None:
    r = api.post(f"/tasks/{task_id}/complete")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed"


def _next_pending(api: httpx.Client, series_id: str, after: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        pending = [t for t in _instances(api, series_id, "pending") if t["task_id"] != after]
        return pending[0] if pending else None

    return eventually(probe, timeout=NEXT_INSTANCE_S)


def test_requests_without_a_valid_token_are_refused(target: Target) -> None:
    with httpx.Client(base_url=f"{target.base_url}/api/v1", timeout=30) as anonymous:
        assert anonymous.get("/tasks").status_code == 401
        forged = {"Authorization": "Bearer not.a.token"}
        r = anonymous.get("/tasks", headers=forged)
        assert r.status_code == 401
        assert r.json()["error"]["code"]


def test_bad_input_gets_a_clear_4xx(api: httpx.Client) -> None:
    r = api.post("/tasks", json=_daily(""))
    assert r.status_code == 422 and r.json()["error"]["code"]
    never = {
        "title": _unique("Never"),
        "recurrence": {"rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "timezone": "UTC"},
    }
    r = api.post("/tasks", json=never)
    assert r.status_code == 422, r.text


def test_a_recurring_task_reminds_by_email_and_brings_its_next_instance_on_completion(
    api: httpx.Client, mailbox: Mailbox
) -> None:
    email = f"staging-{uuid.uuid4().hex[:12]}@example.test"
    r = api.put("/me/notifications", json={"email": email})
    assert r.status_code == 200, r.text
    title = _unique("Water the plants")
    # Rules run on whole minutes: the first whole minute at least 30 s ahead.
    due = (datetime.now(UTC) + timedelta(seconds=90)).replace(second=0, microsecond=0)
    first = _create(api, _daily(title, due_at=due.isoformat(), reminders=["0m"]))
    series_id = first["series_id"]
    assert series_id and first["is_recurring"] is True
    assert datetime.fromisoformat(first["due_at"]) == due

    mails = eventually(lambda: mailbox.messages(email), timeout=REMINDER_S, interval=2)
    assert len(mails) == 1, mails
    assert mails[0]["to"] == [email]
    assert title in mails[0]["subject"]
    assert mails[0]["reminder_id"]
    assert mails[0]["received_at"] >= due.timestamp() - 5, "not sent before it was due"

    _complete(api, first["task_id"])
    nxt = _next_pending(api, series_id, after=first["task_id"])
    assert datetime.fromisoformat(nxt["due_at"]) - due == timedelta(days=1)
    assert (nxt["title"], nxt["series_id"]) == (title, series_id)
    history = _instances(api, series_id, "completed")
    assert [t["task_id"] for t in history] == [first["task_id"]]
    series = api.get(f"/series/{series_id}").json()
    assert series["status"] == "active" and series["reminders"] == ["0m"]


def test_editing_the_series_changes_what_comes_next(api: httpx.Client) -> None:
    first = _create(api, _daily(_unique("Read")))
    series_id = first["series_id"]
    new_title = _unique("Read 20 pages")
    r = api.patch(
        f"/tasks/{first['task_id']}",
        params={"scope": "all"},
        json={"title": new_title, "priority": "high"},
    )
    assert r.status_code == 200, r.text
    assert api.get(f"/series/{series_id}").json()["title"] == new_title
    _complete(api, first["task_id"])
    nxt = _next_pending(api, series_id, after=first["task_id"])
    assert (nxt["title"], nxt["priority"]) == (new_title, "high")


def test_a_new_rule_replaces_the_upcoming_occurrences(api: httpx.Client) -> None:
    # Only future pending instances are replaced: this one is due in two hours.
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    first = _create(api, _daily(_unique("Review"), due_at=later.isoformat()))
    series_id = first["series_id"]
    r = api.patch(
        f"/tasks/{first['task_id']}",
        params={"scope": "all"},
        json={"recurrence": {"rule": "every Monday at 9 AM", "timezone": "UTC"}},
    )
    assert r.status_code == 200, r.text
    replaced = r.json()
    due = datetime.fromisoformat(replaced["due_at"])
    assert (due.strftime("%a"), due.hour, due.minute) == ("Mon", 9, 0)
    assert api.get(f"/tasks/{first['task_id']}").status_code == 404
    pending = _instances(api, series_id, "pending")
    assert [t["task_id"] for t in pending] == [replaced["task_id"]]


def test_deleting_the_series_keeps_history_and_stops_it(api: httpx.Client) -> None:
    first = _create(api, _daily(_unique("Stretch")))
    series_id = first["series_id"]
    _complete(api, first["task_id"])
    second = _next_pending(api, series_id, after=first["task_id"])

    refused = api.delete(f"/tasks/{second['task_id']}", params={"scope": "all"})
    assert refused.status_code == 409, "deleting a whole series needs confirm=true"
    r = api.delete(f"/tasks/{second['task_id']}", params={"scope": "all", "confirm": "true"})
    assert r.status_code == 204, r.text

    assert api.get(f"/series/{series_id}").json()["status"] == "deleted"
    assert _instances(api, series_id, "pending") == []
    assert api.get(f"/tasks/{second['task_id']}").status_code == 404
    assert [t["task_id"] for t in _instances(api, series_id, "completed")] == [first["task_id"]]
    r = api.post(f"/series/{series_id}/pause")
    assert r.status_code == 409, "a deleted series takes no more actions"
