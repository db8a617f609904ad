"""Crashes and races: the engine loses no occurrence and creates none twice."""

import signal
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from dapr.ext.workflow import DaprWorkflowClient, WorkflowStatus

from tests.support.stack import ENGINE, auth, eventually, kill, new_user, query, run_script


def _running(series_id: str) -> bool:
    client = DaprWorkflowClient(host="127.0.0.1", port=str(ENGINE.dapr_grpc))
    try:
        state = client.get_workflow_state(f"series-{series_id}", fetch_payloads=False)
    except Exception:
        return False
    finally:
        client.close()
    return state is not None and state.runtime_status == WorkflowStatus.RUNNING


def _make_series(api: httpx.Client, user: str, n: int) -> list[dict[str, Any]]:
    made = []
    for i in range(n):
        r = api.post(
            "/tasks",
            json={"title": f"chaos {i}", "recurrence": {"rule": "daily", "timezone": "UTC"}},
            headers=auth(user),
        )
        assert r.status_code == 201, r.text
        made.append(r.json())
    for s in made:
        eventually(lambda s=s: _running(s["series_id"]), timeout=60)
    return made


def _rows(series_id: str) -> list[tuple[Any, ...]] | None:
    rows = query(
        "SELECT status, occurrence_at FROM tasks WHERE series_id = %s ORDER BY 2", series_id
    )
    return rows if len(rows) >= 2 else None


def _assert_each_series_advanced_exactly_once(made: list[dict[str, Any]]) -> None:
    for first in made:
        rows = eventually(lambda first=first: _rows(first["series_id"]), timeout=90)
        occurrences = [o for _, o in rows]
        assert len(occurrences) == len(set(occurrences)) == 2, f"no duplicate, no gap: {rows}"
        assert [s for s, _ in rows] == ["completed", "pending"]
        assert occurrences[1] - occurrences[0] == timedelta(days=1), "nothing skipped"


@pytest.mark.parametrize("victim", ["recurring-task-service", "recurring-task-service-daprd"])
def test_kill_9_mid_round_loses_and_doubles_nothing(api: httpx.Client, victim: str) -> None:
    user = new_user()
    made = _make_series(api, user, 12)
    for first in made:
        assert (
            api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user)).status_code == 200
        )
    # The completions are flowing through outbox -> Kafka -> rounds right now.
    kill(victim, signal.SIGKILL)
    run_script("dev-up.sh", "--no-reload")
    _assert_each_series_advanced_exactly_once(made)


def test_completion_raised_during_continue_as_new_is_not_missed(api: httpx.Client) -> None:
    """A storm of wake-ups keeps the workflow cycling through continue_as_new while the
    instance is completed; events raised in that window can be dropped (dapr/dapr#8277),
    and the round's read of the database must make up for it."""
    user = new_user()
    (first,) = _make_series(api, user, 1)
    sid = first["series_id"]
    stop = threading.Event()

    def storm() -> None:
        client = DaprWorkflowClient(host="127.0.0.1", port=str(ENGINE.dapr_grpc))
        try:
            while not stop.is_set():
                client.raise_workflow_event(f"series-{sid}", "wake", data={"reason": "storm"})
        finally:
            client.close()

    worker = threading.Thread(target=storm)
    worker.start()
    try:
        assert (
            api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user)).status_code == 200
        )
        nxt = eventually(
            lambda: query(
                "SELECT occurrence_at FROM tasks WHERE series_id = %s AND status = 'pending'", sid
            ),
            timeout=20,
        )
    finally:
        stop.set()
        worker.join()
    assert nxt[0][0] - datetime.fromisoformat(first["occurrence_at"]) == timedelta(days=1)
    counts = Counter(
        o for (o,) in query("SELECT occurrence_at FROM tasks WHERE series_id = %s", sid)
    )
    assert max(counts.values()) == 1
