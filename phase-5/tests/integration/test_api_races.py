"""Concurrent edits of one series end in 200/204 or 409, never 500, and leave the series
consistent (issue 11: each request used to lock its task, then the series, then the other's
rows: DeadlockDetectedError). Each race runs 20 times on a fresh series with 3 pending
instances (a daily rule with a 3-day lead time: the engine creates them); and 20 concurrent
completions of one instance, 20 times, bring exactly one next instance."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.stack import API, auth, eventually, new_user, query

TRIALS = 20
Call = Callable[[httpx.Client], httpx.Response]


def _series_with_three_pending(client: httpx.Client, user: str) -> list[dict[str, Any]]:
    r = client.post(
        "/tasks",
        json={
            "title": "Water plants",
            "recurrence": {"rule": "daily", "timezone": "UTC", "lead_time_minutes": 3 * 1440},
        },
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    sid = r.json()["series_id"]

    def pending() -> list[dict[str, Any]] | None:
        items = client.get(
            "/tasks", params={"series_id": sid, "status": "pending"}, headers=auth(user)
        ).json()["items"]
        return items if len(items) >= 3 else None

    return eventually(pending, timeout=30)


def _race(*calls: Call) -> list[int]:
    """Fires the calls at once (one connection each, released together by a barrier)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Call) -> int:
        with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as c:
            barrier.wait()
            return call(c).status_code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _unexpected(seen: Counter[int], allowed: set[int]) -> dict[int, int]:
    """Statuses outside `allowed` (any 5xx is one), with how often each was seen."""
    return {s: n for s, n in seen.items() if s >= 500 or s not in allowed}


@pytest.fixture
def client(stack: str) -> httpx.Client:
    return httpx.Client(base_url=f"{API.url}/api/v1", timeout=30)


def _patch(user: str, task: dict[str, Any], scope: str, **fields: Any) -> Call:
    def call(c: httpx.Client) -> httpx.Response:
        return c.patch(
            f"/tasks/{task['task_id']}", params={"scope": scope}, json=fields, headers=auth(user)
        )

    return call


def _delete_all(user: str, task: dict[str, Any]) -> Call:
    def call(c: httpx.Client) -> httpx.Response:
        return c.delete(
            f"/tasks/{task['task_id']}",
            params={"scope": "all", "confirm": "true"},
            headers=auth(user),
        )

    return call


def _complete(user: str, task: dict[str, Any]) -> Call:
    def call(c: httpx.Client) -> httpx.Response:
        return c.post(f"/tasks/{task['task_id']}/complete", headers=auth(user))

    return call


def _edit_edit(client: httpx.Client, i: int) -> list[int]:
    user = new_user()
    first, _, third = _series_with_three_pending(client, user)[:3]
    title = f"Water plants {i}"
    codes = _race(
        _patch(user, third, "all", title=title), _patch(user, first, "all", priority="high")
    )
    pending = client.get(
        "/tasks",
        params={"series_id": first["series_id"], "status": "pending"},
        headers=auth(user),
    ).json()["items"]
    series = client.get(f"/series/{first['series_id']}", headers=auth(user)).json()
    # Whatever succeeded is applied to the series and every pending instance alike.
    want_title = title if codes[0] == 200 else "Water plants"
    want_priority = "high" if codes[1] == 200 else "medium"
    assert (series["title"], series["priority"]) == (want_title, want_priority)
    assert {(t["title"], t["priority"]) for t in pending} == {(want_title, want_priority)}
    return codes


def test_edit_all_against_edit_all(client: httpx.Client) -> None:
    seen = Counter(c for i in range(TRIALS) for c in _edit_edit(client, i))
    assert not _unexpected(seen, {200, 409}), seen


def _edit_delete(client: httpx.Client) -> list[int]:
    user = new_user()
    first, _, third = _series_with_three_pending(client, user)[:3]
    codes = _race(_patch(user, third, "all", title="Renamed"), _delete_all(user, first))
    assert codes[1] in (204, 409)
    if codes[1] == 204:
        sid = first["series_id"]
        assert client.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "deleted"
        assert query(
            "SELECT count(*) FROM tasks WHERE series_id = %s AND status = 'pending'", sid
        ) == [(0,)]
    return codes


def test_edit_all_against_delete_all(client: httpx.Client) -> None:
    seen = Counter(c for _ in range(TRIALS) for c in _edit_delete(client))
    assert not _unexpected(seen, {200, 204, 404, 409}), seen


def _following_all(client: httpx.Client) -> list[int]:
    user = new_user()
    first, second, _ = _series_with_three_pending(client, user)[:3]
    codes = _race(
        _patch(user, second, "following", title="From here on"),
        _patch(user, first, "all", priority="low"),
    )
    # No occurrence is pending twice: the split's new series and the old one never both
    # hold a slot.
    rows = query(
        "SELECT occurrence_at, count(*) FROM tasks WHERE user_id = %s AND status = 'pending' "
        "GROUP BY 1 HAVING count(*) > 1",
        user,
    )
    assert rows == []
    return codes


def test_edit_following_against_edit_all(client: httpx.Client) -> None:
    seen = Counter(c for _ in range(TRIALS) for c in _following_all(client))
    assert not _unexpected(seen, {200, 404, 409}), seen


def _complete_race(client: httpx.Client, i: int) -> list[int]:
    user = new_user()
    first, _, third = _series_with_three_pending(client, user)[:3]
    other = _patch(user, third, "all", title="Renamed") if i % 2 else _delete_all(user, third)
    codes = _race(_complete(user, first), other)
    status = query("SELECT status FROM tasks WHERE task_id = %s", first["task_id"])[0][0]
    # Completed if the completion answered 200 (a later series deletion keeps it); a
    # series deletion that ran first tombstones it, and completing it is then 404.
    assert codes[0] in (200, 404, 409)
    assert status == {200: "completed", 404: "deleted"}.get(codes[0], status)
    return codes


def test_complete_against_edit_all_and_delete_all(client: httpx.Client) -> None:
    # Alternating, so each pairing (complete + edit all, complete + delete all) runs TRIALS times.
    seen = Counter(c for i in range(2 * TRIALS) for c in _complete_race(client, i))
    assert not _unexpected(seen, {200, 204, 404, 409}), seen


def _completions(client: httpx.Client) -> list[int]:
    """20 concurrent completions of one instance: one completion, one event, and exactly
    one next instance (the one the engine's round creates for it)."""
    user = new_user()
    r = client.post(
        "/tasks",
        json={"title": "Stretch", "recurrence": {"rule": "daily", "timezone": "UTC"}},
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    first, sid = r.json(), r.json()["series_id"]
    codes = _race(*[_complete(user, first)] * 20)

    def next_pending() -> list[Any] | None:
        rows = query("SELECT task_id FROM tasks WHERE series_id = %s AND status = 'pending'", sid)
        return rows or None

    assert len(eventually(next_pending, timeout=15)) == 1
    events = query(
        "SELECT count(*) FROM outbox WHERE event_type = 'v1.task.completed' "
        "AND payload->'data'->'task'->>'task_id' = %s",
        first["task_id"],
    )
    assert events == [(1,)], "a repeated completion emits nothing"
    assert query("SELECT count(*) FROM tasks WHERE series_id = %s", sid) == [(2,)]
    return codes


def test_concurrent_completions_bring_exactly_one_next_instance(client: httpx.Client) -> None:
    seen = Counter(c for _ in range(TRIALS) for c in _completions(client))
    assert not _unexpected(seen, {200}), seen
