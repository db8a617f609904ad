"""The engine's acceptance scenarios, through the HTTP API on the real stack."""

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from dapr.ext.workflow import WorkflowStatus

from infra.settings import Settings
from recurrence.planning import herd_offset
from tests.support.stack import ENGINE, P5, auth, eventually, new_user, query, workflow_state


def _tasks(api: httpx.Client, user: str, **params: Any) -> list[dict[str, Any]]:
    return api.get("/tasks", params={"page_size": 50, **params}, headers=auth(user)).json()["items"]


def _workflow_status(series_id: str) -> WorkflowStatus | None:
    state = workflow_state(series_id)
    return None if state is None else state.runtime_status


def _round_status(series_id: str, *, paused: bool, after: int = 0) -> dict[str, Any] | None:
    """The workflow's custom status once a round after round `after` recorded `paused`."""
    state = workflow_state(series_id, payloads=True)
    raw = state.serialized_custom_status if state is not None else None
    status: dict[str, Any] = json.loads(raw) if raw else {}
    return status if status.get("paused") is paused and status["rounds"] > after else None


def _job(name: str) -> dict[str, Any] | None:
    r = httpx.get(f"{ENGINE.dapr_url}/v1.0/jobs/{name}", timeout=10)
    return r.json() if r.status_code == 200 and r.content else None


def _create(api: httpx.Client, user: str, title: str, **recurrence: Any) -> dict[str, Any]:
    body = {"title": title, "recurrence": recurrence}
    reminders = recurrence.pop("reminders", None)
    if reminders is not None:
        body["reminders"] = reminders
    r = api.post("/tasks", json=body, headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


def _running(series_id: str) -> bool:
    return _workflow_status(series_id) == WorkflowStatus.RUNNING


def test_completing_todays_exercise_brings_tomorrows(api: httpx.Client) -> None:
    user = new_user()
    ends = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    first = _create(api, user, "Exercise", rule="daily", timezone="Europe/Paris", ends_at=ends)
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    started = time.monotonic()
    assert api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user)).status_code == 200
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=5, interval=0.05)
    elapsed = time.monotonic() - started
    print(f"complete -> next instance visible: {elapsed * 1000:.0f} ms")
    assert len(nxt) == 1
    due = datetime.fromisoformat(nxt[0]["due_at"])
    assert due - datetime.fromisoformat(first["due_at"]) == timedelta(days=1)
    assert nxt[0]["series_id"] == sid and nxt[0]["title"] == "Exercise"


DEFAULTS = Settings.model_fields


def test_instance_is_created_at_lead_time_with_its_reminder_job(api: httpx.Client) -> None:
    user = new_user()
    now = datetime.now(UTC)
    # Two slots in the coming minutes; lead time one minute. The first is created at once,
    # the second one minute before it is due, by the workflow's durable timer.
    m1 = now + timedelta(minutes=2)
    m2 = m1 + timedelta(minutes=1)
    rule = f"FREQ=DAILY;BYHOUR={m1.hour};BYMINUTE={m1.minute},{m2.minute}"
    if m2.hour != m1.hour:
        rule = f"FREQ=DAILY;BYHOUR={m1.hour},{m2.hour};BYMINUTE={m1.minute},{m2.minute}"
    first = _create(
        api, user, "Standup", rule=rule, timezone="UTC", lead_time_minutes=1, reminders=["0m"]
    )
    first_due = datetime.fromisoformat(first["due_at"])
    assert first_due == m1.replace(second=0, microsecond=0)
    job = eventually(lambda: _job(f"reminder-{first['task_id']}-0m"), timeout=20)
    assert datetime.fromisoformat(job["dueTime"]) == first_due

    def second() -> dict[str, Any] | None:
        items = [t for t in _tasks(api, user) if t["task_id"] != first["task_id"]]
        return items[0] if items else None

    inst = eventually(second, timeout=200, interval=0.5)
    due = datetime.fromisoformat(inst["due_at"])
    created = datetime.fromisoformat(inst["created_at"])
    assert due == m2.replace(second=0, microsecond=0)
    lead = due - created
    # The series wakes at its own point of the first third of its lead window (the herd
    # spread): the stack runs the default settings, so the test knows where.
    spread = herd_offset(
        first["series_id"],
        timedelta(minutes=1),
        DEFAULTS["materialize_spread_fraction"].default,
        timedelta(seconds=DEFAULTS["materialize_spread_max_seconds"].default),
    )
    print(f"instance created {lead.total_seconds():.1f} s before due (lead 60 s, spread {spread})")
    expected = timedelta(minutes=1) - spread
    assert expected - timedelta(seconds=8) <= lead <= expected + timedelta(seconds=1), (
        "created at the series' point of its lead window"
    )
    job2 = eventually(lambda: _job(f"reminder-{inst['task_id']}-0m"), timeout=20)
    assert datetime.fromisoformat(job2["dueTime"]) == due


def test_editing_one_occurrence_changes_only_that_one(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Team standup", rule="daily", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    r = api.patch(
        f"/tasks/{first['task_id']}",
        params={"scope": "this"},
        json={"title": "Standup (moved to Zoom)"},
        headers=auth(user),
    )
    assert r.status_code == 200 and r.json()["is_exception"] is True
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    assert nxt[0]["title"] == "Team standup" and nxt[0]["is_exception"] is False
    edited = api.get(f"/tasks/{first['task_id']}", headers=auth(user)).json()
    assert edited["title"] == "Standup (moved to Zoom)"


def test_deleting_the_series_removes_pending_keeps_history_and_stops_everything(
    api: httpx.Client,
) -> None:
    user = new_user()
    soon = (datetime.now(UTC) + timedelta(hours=3)).strftime("%H:%M")
    first = _create(
        api, user, "Stretch", rule=f"every day at {soon}", timezone="UTC", reminders=["1h", "0m"]
    )
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    pending = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    jobs = [f"reminder-{pending[0]['task_id']}-1h", f"reminder-{pending[0]['task_id']}-0m"]
    eventually(lambda: all(_job(j) for j in jobs), timeout=20)

    r = api.delete(
        f"/tasks/{pending[0]['task_id']}",
        params={"scope": "all", "confirm": "true"},
        headers=auth(user),
    )
    assert r.status_code == 204
    assert _tasks(api, user, status="pending") == []
    assert [t["task_id"] for t in _tasks(api, user, status="completed")] == [first["task_id"]]
    eventually(lambda: not any(_job(j) for j in jobs), timeout=20)
    eventually(
        lambda: _workflow_status(sid) not in (WorkflowStatus.RUNNING, WorkflowStatus.PENDING),
        timeout=20,
    )
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "deleted"


def test_series_ends_after_its_last_occurrence(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Two-day course", rule="daily", timezone="UTC", count=2)
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    last = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    assert len(last) == 1
    api.post(f"/tasks/{last[0]['task_id']}/complete", headers=auth(user))
    eventually(
        lambda: api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "completed",
        timeout=15,
    )
    assert _tasks(api, user, status="pending") == []
    assert len(_tasks(api, user, status="completed")) == 2
    eventually(lambda: _workflow_status(sid) == WorkflowStatus.COMPLETED, timeout=15)


def test_pause_and_resume_do_not_flood_missed_occurrences(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Journal", rule="daily", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    assert api.post(f"/series/{sid}/pause", headers=auth(user)).json()["status"] == "paused"
    paused = eventually(lambda: _round_status(sid, paused=True), timeout=10)
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    # The workflow records each round in its custom status: the completion's round ran.
    eventually(lambda: _round_status(sid, paused=True, after=paused["rounds"]), timeout=10)
    assert _tasks(api, user, status="pending") == [], "paused: nothing new"
    resumed = api.post(f"/series/{sid}/resume", headers=auth(user)).json()
    assert resumed["status"] == "active"
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    assert len(nxt) == 1
    assert datetime.fromisoformat(nxt[0]["due_at"]) > datetime.now(UTC), "next after now"


def test_skip_removes_the_next_occurrence(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Gym", rule="daily", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    assert api.post(f"/series/{sid}/skip", headers=auth(user)).status_code == 200
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    due = datetime.fromisoformat(nxt[0]["due_at"])
    assert due - datetime.fromisoformat(first["due_at"]) == timedelta(days=1)
    assert query("SELECT status FROM tasks WHERE task_id = %s", first["task_id"]) == [("deleted",)]
    # The series and its task agree on what comes after the pending one.
    series = api.get(f"/series/{sid}", headers=auth(user)).json()
    assert series["upcoming_occurrence"] == series["next_occurrences"][0]
    assert datetime.fromisoformat(series["upcoming_occurrence"]) == due + timedelta(days=1)
    task = api.get(f"/tasks/{nxt[0]['task_id']}", headers=auth(user)).json()
    assert task["upcoming_occurrence"] == series["upcoming_occurrence"]


def test_dapr_cli_lists_series_workflows_and_shows_a_round(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Listed", rule="weekly", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    out = subprocess.run(
        ["bash", str(P5 / "scripts/workflows.sh"), "list", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    listed = {w["instanceID"]: w for w in json.loads(out.stdout)}
    assert listed[f"series-{sid}"]["name"] == "series_workflow"
    hist = subprocess.run(
        ["bash", str(P5 / "scripts/workflows.sh"), "history", f"series-{sid}", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert hist.returncode == 0, hist.stderr
    kinds = [(h["type"], h.get("name")) for h in json.loads(hist.stdout)]
    assert ("ExecutionStarted", "series_workflow") in kinds
    assert ("TaskScheduled", "advance_series") in kinds, "a round: the activity was scheduled"
    assert any(t == "TaskCompleted" for t, _ in kinds)


def test_changed_due_date_reschedules_the_reminder_job(api: httpx.Client) -> None:
    user = new_user()
    due = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    task = api.post(
        "/tasks",
        json={"title": "Dentist", "due_at": due.isoformat(), "reminders": ["1h"]},
        headers=auth(user),
    ).json()
    job = f"reminder-{task['task_id']}-1h"
    first = eventually(lambda: _job(job), timeout=20)
    assert datetime.fromisoformat(first["dueTime"]) == due - timedelta(hours=1)
    moved = due + timedelta(hours=1)
    r = api.patch(
        f"/tasks/{task['task_id']}", json={"due_at": moved.isoformat()}, headers=auth(user)
    )
    assert r.status_code == 200, r.text

    def rescheduled() -> bool:
        current = _job(job)
        return current is not None and datetime.fromisoformat(
            current["dueTime"]
        ) == moved - timedelta(hours=1)

    started = time.monotonic()
    eventually(rescheduled, timeout=5)
    print(f"reminder rescheduled {1000 * (time.monotonic() - started):.0f} ms after the edit")


def test_after_completion_counts_from_the_completion(api: httpx.Client) -> None:
    user = new_user()
    first = _create(
        api, user, "Water the cactus", rule="every 3 days after I finish", timezone="UTC"
    )
    assert first["series"]["mode"] == "after_completion"
    sid = first["series_id"]
    # Its next date is completion + 3 days: no planned date is promised while one is pending.
    series = api.get(f"/series/{sid}", headers=auth(user)).json()
    assert (series["next_occurrences"], series["upcoming_occurrence"]) == ([], None)
    assert first["upcoming_occurrence"] is None
    eventually(lambda: _running(sid), timeout=30)
    done = api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user)).json()
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    completed_day = datetime.fromisoformat(done["completed_at"]).date()
    due = datetime.fromisoformat(nxt[0]["due_at"])
    assert due.date() == completed_day + timedelta(days=3)
    assert due.time() == datetime.fromisoformat(first["due_at"]).time(), "the series' time of day"
