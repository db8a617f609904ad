"""Completion through the API → the next instance's event on the user's live stream.

  python bench/bench_event_stream.py [TRIES] [SERIES]

Opens GET /api/v1/me/events for a fresh user, creates SERIES daily series (default 10),
then completes their pending instance round-robin TRIES times (default 100). Each sample
is the time from sending POST /tasks/{id}/complete to reading, on the stream, the
v1.task.created of that series' next instance (written by the engine's workflow, then
API outbox → Kafka → todo-api's subscription → user_events → NOTIFY → the stream). Also
prints the completion's own event (v1.task.completed) on the stream, and the request time.
Stack up first: scripts/dev-up.sh --no-reload (or through /work/stack-run.sh)."""

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._stats import summary
from tests.support.sse import EventStream, Message
from tests.support.stack import API, auth, new_user


def main(tries: int, n_series: int) -> None:
    user = new_user()
    headers = auth(user)
    stream = EventStream(f"{API.url}/api/v1/me/events", headers)
    assert stream.status == 200, stream.body
    assert stream.next().event == "stream.ready"
    next_ms: list[float] = []
    completed_ms: list[float] = []
    request_ms: list[float] = []
    try:
        with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as api:
            current: dict[str, str] = {}
            for i in range(n_series):
                r = api.post(
                    "/tasks",
                    json={
                        "title": f"bench {i}",
                        "recurrence": {"rule": "daily", "timezone": "UTC"},
                    },
                    headers=headers,
                )
                r.raise_for_status()
                body = r.json()
                current[body["series_id"]] = body["task_id"]
                stream.until(_created(body["task_id"]), timeout=30)
            time.sleep(2)  # let the workflows start; a completion before that is still measured
            done = 0
            while done < tries:
                for sid, task in list(current.items()):
                    if done >= tries:
                        break
                    t0 = time.perf_counter()
                    api.post(f"/tasks/{task}/complete", headers=headers).raise_for_status()
                    request_ms.append((time.perf_counter() - t0) * 1000)
                    seen = stream.until(_next_instance(sid, task), timeout=60)
                    for m in seen:
                        if m.event == "v1.task.completed" and m.json["task_id"] == task:
                            completed_ms.append((m.received - t0) * 1000)
                    next_ms.append((seen[-1].received - t0) * 1000)
                    current[sid] = seen[-1].json["task_id"]
                    done += 1
    finally:
        stream.close()
    print(summary(f"complete -> next instance on the stream, {n_series} series", next_ms))
    print(summary("complete -> its v1.task.completed on the stream", completed_ms))
    print(summary("complete request itself", request_ms))


def _created(task_id: str) -> Callable[[Message], bool]:
    return lambda m: m.event == "v1.task.created" and m.json["task_id"] == task_id


def _next_instance(series_id: str, previous: str) -> Callable[[Message], bool]:
    def match(m: Message) -> bool:
        data = m.json if m.event == "v1.task.created" else {}
        return data.get("series_id") == series_id and data.get("task_id") != previous

    return match


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100,
        int(sys.argv[2]) if len(sys.argv) > 2 else 10,
    )
