"""After-completion series completed early follow the Todoist convention (issue 11): the
next due date is the completion's date plus the interval, at the series' time of day, even
when that is the very occurrence just completed or an earlier one. Through the API on the
real stack: the engine's round creates the next instance."""

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from storage.db import make_engine, make_sessions, transaction
from storage.instances import materialize
from storage.tables import RecurringSeries
from tests.support.stack import auth, eventually, new_user, query, secrets


def _create_due_in_3_days(api: httpx.Client, user: str, rule: str) -> dict[str, Any]:
    """A series whose first instance is due three days from today at 09:00 UTC."""
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=3), time(9, 0))
    r = api.post(
        "/tasks",
        json={
            "title": f"early {rule}",
            "recurrence": {
                "rule": rule,
                "timezone": "UTC",
                "mode": "after_completion",
                "start": start.isoformat(),
            },
        },
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert datetime.fromisoformat(first["due_at"]) == start.replace(tzinfo=UTC)
    return first


def _next_pending(api: httpx.Client, user: str, series_id: str, not_task: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        items = api.get(
            "/tasks",
            params={"series_id": series_id, "status": "pending"},
            headers=auth(user),
        ).json()["items"]
        return next((t for t in items if t["task_id"] != not_task), None)

    return eventually(found, timeout=15, interval=0.05)


def _complete(api: httpx.Client, user: str, task_id: str) -> datetime:
    r = api.post(f"/tasks/{task_id}/complete", headers=auth(user))
    assert r.status_code == 200, r.text
    return datetime.fromisoformat(r.json()["completed_at"])


def test_completed_early_is_due_completion_plus_interval_even_on_the_same_slot(
    api: httpx.Client,
) -> None:
    """Every 3 days, due in three days, completed today: due today + 3 days at 09:00,
    which is the occurrence just completed (the (series, occurrence) key used to collide
    and the round moved on to the one after)."""
    user = new_user()
    first = _create_due_in_3_days(api, user, "FREQ=DAILY;INTERVAL=3")
    completed_at = _complete(api, user, first["task_id"])
    nxt = _next_pending(api, user, first["series_id"], first["task_id"])
    expected = datetime.combine(completed_at.date() + timedelta(days=3), time(9, 0), UTC)
    assert datetime.fromisoformat(nxt["due_at"]) == expected
    assert nxt["due_at"] == first["due_at"] or completed_at.date() != datetime.now(UTC).date()


def test_completed_early_can_be_due_before_the_completed_occurrence(api: httpx.Client) -> None:
    """Every day, due in three days, completed today: due tomorrow 09:00, earlier than the
    occurrence completed; reopening the task removes exactly that instance again."""
    user = new_user()
    first = _create_due_in_3_days(api, user, "FREQ=DAILY")
    completed_at = _complete(api, user, first["task_id"])
    nxt = _next_pending(api, user, first["series_id"], first["task_id"])
    expected = datetime.combine(completed_at.date() + timedelta(days=1), time(9, 0), UTC)
    assert datetime.fromisoformat(nxt["due_at"]) == expected
    assert datetime.fromisoformat(nxt["due_at"]) < datetime.fromisoformat(first["due_at"])

    r = api.post(f"/tasks/{first['task_id']}/reopen", headers=auth(user))
    assert r.status_code == 200, r.text
    pending = api.get(
        "/tasks", params={"series_id": first["series_id"], "status": "pending"}, headers=auth(user)
    ).json()["items"]
    assert [t["task_id"] for t in pending] == [first["task_id"]], "the brought instance is gone"

    # Completing it again brings a fresh next instance (the removed one freed its key).
    again = _complete(api, user, first["task_id"])
    nxt2 = _next_pending(api, user, first["series_id"], first["task_id"])
    assert nxt2["task_id"] != nxt["task_id"]
    expected2 = datetime.combine(again.date() + timedelta(days=1), time(9, 0), UTC)
    assert datetime.fromisoformat(nxt2["due_at"]) == expected2


@pytest.mark.usefixtures("stack")
async def test_the_successor_write_is_idempotent_on_the_instance_it_follows(
    api: httpx.Client,
) -> None:
    """What a retried or replayed round does: the same successor written again (same
    instance followed) is a no-op, with no second event, although its slot is shared with
    the completed instance; a slot of the schedule stays one instance as before."""
    user = new_user()
    first = _create_due_in_3_days(api, user, "FREQ=DAILY;INTERVAL=3")
    completed_at = _complete(api, user, first["task_id"])
    nxt = _next_pending(api, user, first["series_id"], first["task_id"])
    follows = query("SELECT follows_task_id FROM tasks WHERE task_id = %s", nxt["task_id"])
    assert [str(r[0]) for r in follows] == [first["task_id"]]

    def events() -> int:
        rows = query(
            "SELECT count(*) FROM outbox WHERE event_type = 'v1.task.created' "
            "AND payload->'data'->'task'->>'series_id' = %s",
            first["series_id"],
        )
        return int(rows[0][0])

    before = events()
    engine = make_engine(secrets()["database-url"], pool_size=1)
    try:
        async with transaction(make_sessions(engine)) as session:
            series = await session.get(RecurringSeries, uuid.UUID(first["series_id"]))
            assert series is not None
            due = datetime.fromisoformat(nxt["due_at"])
            again = await materialize(
                session,
                series,
                due,
                completed_at,
                source="test",
                follows=uuid.UUID(first["task_id"]),
            )
            assert again is None, "the successor of that completion exists already"
            slot = await materialize(
                session,
                series,
                datetime.fromisoformat(first["due_at"]),
                completed_at,
                source="test",
            )
            assert slot is None, "the first instance's slot of the schedule is taken"
    finally:
        await engine.dispose()
    rows = query("SELECT count(*) FROM tasks WHERE series_id = %s", first["series_id"])
    assert rows[0][0] == 2 and events() == before
