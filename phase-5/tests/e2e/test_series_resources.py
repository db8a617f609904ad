"""Series as resources (`/api/v1/series`), and reopening a completed task, on the real stack."""

from datetime import datetime

import httpx

from tests.e2e.test_series_engine import _create, _running, _tasks
from tests.support.stack import auth, eventually, new_user


def test_list_get_patch_and_delete_a_series(api: httpx.Client) -> None:
    user = new_user()
    a = _create(api, user, "Stretch", rule="daily", timezone="UTC", lead_time_minutes=60)
    b = _create(api, user, "Report", rule="every Monday at 9 AM", timezone="UTC")
    api.post(f"/series/{b['series_id']}/pause", headers=auth(user))
    listed = api.get("/series", headers=auth(user)).json()
    assert listed["total"] == 2 and listed["next"] is None
    assert {s["series_id"] for s in listed["items"]} == {a["series_id"], b["series_id"]}
    paused = api.get("/series", params={"status": "paused"}, headers=auth(user)).json()
    assert [s["series_id"] for s in paused["items"]] == [b["series_id"]]
    assert api.get("/series", params={"status": "x"}, headers=auth(user)).status_code == 422
    assert api.get(f"/series/{a['series_id']}", headers=auth(new_user())).status_code == 404

    # A rule change keeps the lead time; upcoming and next occurrences agree.
    r = api.patch(
        f"/series/{a['series_id']}",
        json={"title": "Stretch 10 min", "recurrence": {"rule": "daily at 7", "timezone": "UTC"}},
        headers=auth(user),
    )
    assert r.status_code == 200, r.text
    series = r.json()
    assert series["title"] == "Stretch 10 min" and series["lead_time_minutes"] == 60
    assert series["upcoming_occurrence"] == series["next_occurrences"][0]
    assert all(datetime.fromisoformat(o).hour == 7 for o in series["next_occurrences"])
    pending = _tasks(api, user, series_id=a["series_id"], status="pending")
    assert pending and all(t["title"] == "Stretch 10 min" for t in pending)
    assert api.patch(f"/series/{a['series_id']}", json={}, headers=auth(user)).status_code == 422

    # A paused series whose pending instance was deleted stays editable and deletable.
    api.delete(f"/tasks/{b['task_id']}", headers=auth(user))
    assert _tasks(api, user, series_id=b["series_id"], status="pending") == []
    r = api.patch(f"/series/{b['series_id']}", json={"priority": "high"}, headers=auth(user))
    assert r.status_code == 200 and r.json()["priority"] == "high"
    assert api.delete(f"/series/{b['series_id']}", headers=auth(user)).status_code == 409
    r = api.delete(f"/series/{b['series_id']}", params={"confirm": "yes"}, headers=auth(user))
    assert r.status_code == 422
    r = api.delete(f"/series/{b['series_id']}", params={"confirm": "true"}, headers=auth(user))
    assert r.status_code == 204
    got = api.get(f"/series/{b['series_id']}", headers=auth(user)).json()
    assert got["status"] == "deleted" and got["next_occurrences"] == []
    assert api.get("/series", headers=auth(user)).json()["total"] == 1


def test_reopen_undoes_a_completion(api: httpx.Client) -> None:
    user = new_user()
    first = _create(api, user, "Exercise", rule="daily", timezone="UTC", reminders=["0m"])
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    assert api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user)).status_code == 200
    nxt = eventually(lambda: _tasks(api, user, status="pending"), timeout=15)
    assert nxt[0]["task_id"] != first["task_id"]
    r = api.post(f"/tasks/{first['task_id']}/reopen", headers=auth(user))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["completed_at"] is None
    # The instance the completion brought is gone; the reopened one is the pending one.
    pending = _tasks(api, user, status="pending")
    assert [t["task_id"] for t in pending] == [first["task_id"]]
    assert api.get(f"/tasks/{nxt[0]['task_id']}", headers=auth(user)).status_code == 404
    # Reopening again changes nothing; completing again brings the next one back.
    again = api.post(f"/tasks/{first['task_id']}/reopen", headers=auth(user))
    assert again.status_code == 200 and again.json()["status"] == "pending"
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    back = eventually(lambda: _tasks(api, user, status="pending"), timeout=15)
    assert back[0]["due_at"] == nxt[0]["due_at"]


def test_a_paused_series_advertises_no_upcoming_occurrence(api: httpx.Client) -> None:
    """Paused: nothing is created until it is resumed, and resuming continues from the
    first occurrence after the resume, so neither the series nor its tasks list any
    upcoming occurrence; resumed, both list them again and agree."""
    user = new_user()
    first = _create(api, user, "Plan the week", rule="every Monday at 9 AM", timezone="UTC")
    sid, tid = first["series_id"], first["task_id"]
    r = api.post(f"/series/{sid}/pause", headers=auth(user))
    assert r.status_code == 200, r.text
    for series in (r.json(), api.get(f"/series/{sid}", headers=auth(user)).json()):
        assert series["status"] == "paused"
        assert series["next_occurrences"] == [] and series["upcoming_occurrence"] is None
    listed = api.get("/series", params={"status": "paused"}, headers=auth(user)).json()
    assert listed["items"][0]["next_occurrences"] == []
    task = api.get(f"/tasks/{tid}", headers=auth(user)).json()
    assert task["status"] == "pending" and task["upcoming_occurrence"] is None
    in_list = _tasks(api, user, series_id=sid)
    assert [t["upcoming_occurrence"] for t in in_list] == [None]

    resumed = api.post(f"/series/{sid}/resume", headers=auth(user)).json()
    assert resumed["status"] == "active" and resumed["next_occurrences"]
    assert resumed["upcoming_occurrence"] == resumed["next_occurrences"][0]
    task = api.get(f"/tasks/{tid}", headers=auth(user)).json()
    assert task["upcoming_occurrence"] == resumed["upcoming_occurrence"]

    # Paused with nothing pending: there is no next occurrence to skip (a skip would be
    # undone by the resume anyway), so it is a 409 that says what to do.
    assert api.post(f"/series/{sid}/pause", headers=auth(user)).status_code == 200
    assert api.delete(f"/tasks/{tid}", headers=auth(user)).status_code == 204
    r = api.post(f"/series/{sid}/skip", headers=auth(user))
    assert r.status_code == 409 and "resume it first" in r.json()["error"]["message"]
