"""Editing a series through the API: the whole series, a new rule, this-and-following."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.test_series_engine import _create, _running, _tasks
from tests.support.stack import auth, eventually, new_user


def test_editing_all_changes_the_template_and_pending_instances(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Read", rule="daily", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    r = api.patch(
        f"/tasks/{first['task_id']}",
        params={"scope": "all"},
        json={"title": "Read 20 pages", "priority": "high"},
        headers=auth(user),
    )
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Read 20 pages" and r.json()["is_exception"] is False
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["title"] == "Read 20 pages"
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)
    assert (nxt[0]["title"], nxt[0]["priority"]) == ("Read 20 pages", "high")


def test_a_new_rule_regenerates_upcoming_occurrences(api: httpx.Client) -> None:
    user = new_user()
    later = (datetime.now(UTC) + timedelta(hours=2)).strftime("%H:%M")
    first = _create(api, user, "Review", rule=f"every day at {later}", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    r = api.patch(
        f"/tasks/{first['task_id']}",
        params={"scope": "all"},
        json={"recurrence": {"rule": "every Monday at 9 AM", "timezone": "UTC"}},
        headers=auth(user),
    )
    assert r.status_code == 200, r.text
    new_first = r.json()
    due = datetime.fromisoformat(new_first["due_at"])
    assert (due.strftime("%a"), due.hour, due.minute) == ("Mon", 9, 0) and due > datetime.now(UTC)
    assert api.get(f"/tasks/{first['task_id']}", headers=auth(user)).status_code == 404
    pending = _tasks(api, user, status="pending")
    assert [t["task_id"] for t in pending] == [new_first["task_id"]]
    series = api.get(f"/series/{sid}", headers=auth(user)).json()
    assert series["rrule"] == "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"
    assert all(
        datetime.fromisoformat(o).strftime("%a") == "Mon" for o in series["next_occurrences"]
    )


def test_this_and_following_splits_the_series(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Run", rule="daily", timezone="UTC")
    old = first["series_id"]
    eventually(lambda: _running(old), timeout=30)
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    second: dict[str, Any] = eventually(lambda: _tasks(api, user, status="pending"), timeout=10)[0]
    r = api.patch(
        f"/tasks/{second['task_id']}",
        params={"scope": "following"},
        json={"title": "Run 5 km"},
        headers=auth(user),
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["series_id"] != old and moved["title"] == "Run 5 km"
    assert moved["due_at"] == second["due_at"], "the new series starts at this occurrence"
    old_series = api.get(f"/series/{old}", headers=auth(user)).json()
    assert datetime.fromisoformat(old_series["ends_at"]) < datetime.fromisoformat(second["due_at"])
    eventually(
        lambda: api.get(f"/series/{old}", headers=auth(user)).json()["status"] == "completed",
        timeout=15,
    )
    new_series = api.get(f"/series/{moved['series_id']}", headers=auth(user)).json()
    assert new_series["status"] == "active" and new_series["title"] == "Run 5 km"
    # The new series and its first task agree on the occurrence after that task.
    after = datetime.fromisoformat(moved["due_at"]) + timedelta(days=1)
    assert datetime.fromisoformat(new_series["upcoming_occurrence"]) == after
    assert new_series["upcoming_occurrence"] == new_series["next_occurrences"][0]
    assert moved["upcoming_occurrence"] == new_series["upcoming_occurrence"]
    eventually(lambda: _running(moved["series_id"]), timeout=30)
    history = _tasks(api, user, status="completed")
    assert [t["task_id"] for t in history] == [first["task_id"]], (
        "history stays with the old series"
    )
