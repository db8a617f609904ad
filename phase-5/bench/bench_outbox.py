"""Commit -> published latency of the outbox relay on an idle stack (target p95 < 100 ms).

Writes N one-off tasks through the API, one at a time with a short pause (an idle stack,
not a saturated one), then reads each outbox row's commit-to-publish-ack time, and the
time until the event is readable from Kafka by a consumer.
Usage: uv run python bench/bench_outbox.py [N]   (stack up: scripts/dev-up.sh)"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._stats import summary
from tests.support.kafka import TopicTail
from tests.support.stack import API, auth, new_user, query


def main(n: int) -> None:
    user = new_user()
    tail = TopicTail("task-operations")
    headers = auth(user)
    sent_at: dict[str, float] = {}
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=10) as api:
        for i in range(n):
            t0 = time.time()
            r = api.post("/tasks", json={"title": f"bench {i}"}, headers=headers)
            r.raise_for_status()
            sent_at[r.json()["task_id"]] = t0
            time.sleep(0.02)
    seen = tail.find_all(lambda b, m: m.key() == user.encode(), timeout=60, want=n)
    tail.close()
    visible = []
    for body, msg in seen:
        _, ts_ms = msg.timestamp()
        visible.append(ts_ms - sent_at[body["data"]["task"]["task_id"]] * 1000)
    rows = query(
        "SELECT EXTRACT(EPOCH FROM sent_at - created_at) * 1000 FROM outbox "
        "WHERE partition_key = %s",
        user,
    )
    lags = [float(r[0]) for r in rows]
    print(summary("outbox commit -> publish acknowledged", lags))
    print(summary("API request start -> record appended in Kafka", visible))
    print(f"events published: {len(lags)}, seen on Kafka: {len(seen)} of {n}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
