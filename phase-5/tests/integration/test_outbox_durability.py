"""Nothing is lost while the sidecar is down: writes are accepted, events wait in the
outbox, and all of them arrive exactly once when it is back."""

import signal

import httpx

from tests.support.kafka import TopicTail
from tests.support.stack import API, auth, kill, new_user, query, run_script


def test_hundred_writes_while_sidecar_is_down_all_arrive_once(api: httpx.Client) -> None:
    user = new_user()
    tail = TopicTail("task-operations")
    try:
        kill("todo-api-daprd", signal.SIGTERM)
        ids = []
        for i in range(100):
            r = api.post("/tasks", json={"title": f"offline {i}"}, headers=auth(user))
            assert r.status_code == 201, r.text
            ids.append(r.json()["task_id"])
        unsent = query(
            "SELECT count(*) FROM outbox WHERE partition_key = %s AND sent_at IS NULL", user
        )
        assert unsent == [(100,)], "events wait in the outbox while the sidecar is down"
        ready = httpx.get(f"{API.url}/readyz", timeout=10)
        assert ready.status_code == 503 and "sidecar" in ready.json()["error"]["message"]

        run_script("dev-up.sh", "--no-reload")
        got = tail.find_all(lambda b, m: m.key() == user.encode(), timeout=60, want=101)
    finally:
        tail.close()
    task_ids = [b["data"]["task"]["task_id"] for b, _ in got]
    assert sorted(task_ids) == sorted(ids), "all 100 arrived, none twice"
    assert task_ids == ids, "one user's events keep their order"
    assert query(
        "SELECT count(*) FROM outbox WHERE partition_key = %s AND sent_at IS NULL", user
    ) == [(0,)]
