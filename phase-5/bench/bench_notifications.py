"""Benchmark of notification-service: prints numbers, asserts nothing.

    cd phase-5 && uv run python bench/bench_notifications.py [--reminders 500] [--seconds 60]

Acts as the engine on the running stack: inserts tasks and reminder rows for a set of users
who registered email and Web Push through todo-api, then publishes each `v1.reminder.due`
event at its scheduled_time (spread evenly over the window) through the todo-api sidecar.
A real SMTP server (aiosmtpd on :2525) and a real push service (VAPID checked, payload
decrypted) receive, from tests/support. Lateness is sent_at - scheduled_time of every
delivery row; the DLQ count is what reached alerts-dlq for these reminders, with both
channels healthy. Do not run it while the notification tests run (both bind :2525).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.kafka import TopicTail
from tests.support.push import PushSink
from tests.support.smtp import shared_sink
from tests.support.stack import API, auth, db_url, secrets

TERMINAL = ("sent", "failed", "cancelled", "gone")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<8} (none)"
    return (
        f"  {name:<8} n={len(values):<4} p50={pct(values, 50) * 1000:7.1f} ms  "
        f"p95={pct(values, 95) * 1000:7.1f} ms  p99={pct(values, 99) * 1000:7.1f} ms  "
        f"max={max(values) * 1000:7.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reminders", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--users", type=int, default=50)
    args = ap.parse_args()

    smtp = shared_sink()
    push = PushSink(secrets()["vapid-public-key"])
    push.start()
    run = uuid.uuid4().hex[:8]
    users = [f"bench-{run}-{i}" for i in range(args.users)]
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as api:
        for user in users:
            body = {"email": f"{user}@example.com", "push": push.new_subscription().as_json()}
            r = api.put("/me/notifications", json=body, headers=auth(user))
            r.raise_for_status()

    start = datetime.now(UTC) + timedelta(seconds=5)
    step = args.seconds / args.reminders
    due = datetime(2030, 12, 3, 15, 0, tzinfo=UTC)
    plan = []  # (scheduled, reminder_id, task_id, user)
    for i in range(args.reminders):
        plan.append(
            (start + timedelta(seconds=i * step), uuid.uuid4(), uuid.uuid4(), users[i % len(users)])
        )
    with psycopg.connect(db_url(), autocommit=False) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO tasks (task_id, user_id, title, priority, due_date, status, "
            "is_exception, is_recurring) "
            "VALUES (%s, %s, %s, 'medium', %s, 'pending', false, false)",
            [(t, u, f"Bench task {n}", due) for n, (_, _, t, u) in enumerate(plan)],
        )
        cur.executemany(
            'INSERT INTO reminders (reminder_id, task_id, user_id, scheduled_time, "offset", '
            "reminder_type, status, job_name) VALUES (%s, %s, %s, %s, '0m', 'all', 'pending', %s)",
            [(r, t, u, s, f"bench-{r}") for s, r, t, u in plan],
        )
        conn.commit()

    tail = TopicTail("alerts-dlq")
    publish_lag: list[float] = []
    print(
        f"publishing {args.reminders} reminders for {len(users)} users over {args.seconds:.0f} s "
        "(email + push each)...",
        flush=True,
    )
    with httpx.Client(base_url=API.dapr_url, timeout=10) as sidecar:
        for scheduled, rid, task_id, user in plan:
            delay = (scheduled - datetime.now(UTC)).total_seconds()
            if delay > 0:
                time.sleep(delay)  # the engine firing on schedule: pacing, not waiting
            event = {
                "specversion": "1.0",
                "id": str(rid),
                "type": "v1.reminder.due",
                "source": "bench",
                "time": scheduled.isoformat(),
                "datacontenttype": "application/json",
                "data": {
                    "reminder_id": str(rid),
                    "task_id": str(task_id),
                    "user_id": user,
                    "series_id": None,
                    "title": "Bench task",
                    "description": None,
                    "due_at": due.isoformat(),
                    "scheduled_time": scheduled.isoformat(),
                    "offset": "0m",
                    "timezone": "America/New_York",
                },
            }
            r = sidecar.post(
                "/v1.0/publish/pubsub/alerts",
                params={"metadata.partitionKey": user},
                content=json.dumps(event),
                headers={"content-type": "application/cloudevents+json"},
            )
            r.raise_for_status()
            publish_lag.append((datetime.now(UTC) - scheduled).total_seconds())

    ids = [str(r) for _, r, _, _ in plan]
    deadline = time.monotonic() + 180
    rows: list[tuple[str, str, float | None]] = []
    with psycopg.connect(db_url(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            rows = conn.execute(
                "SELECT channel, status, EXTRACT(EPOCH FROM sent_at - scheduled_time)::float8 "
                "FROM notification_deliveries WHERE reminder_id = ANY(%s::uuid[])",
                (ids,),
            ).fetchall()
            if len(rows) == 2 * len(ids) and all(s in TERMINAL for _, s, _ in rows):
                break
            time.sleep(0.5)
    wanted = set(ids)
    dlq = tail.find_all(
        lambda b, _: b.get("data", {}).get("reminder_id") in wanted, timeout=5, want=len(ids) * 2
    )
    tail.close()

    by_channel: dict[str, list[float]] = {"email": [], "push": []}
    for channel, status, late in rows:
        if status == "sent" and late is not None:
            by_channel[channel].append(late)
    mails = Counter(m.reminder_id for m in smtp.mail() if m.reminder_id in wanted)
    topics = {uuid.UUID(i).hex for i in ids}
    pushes = Counter(p.headers.get("Topic") for p in push.received())
    pushes_here = {k: v for k, v in pushes.items() if k in topics}

    print(
        f"\nreminders {len(ids)}, delivery rows {len(rows)}: {dict(Counter(s for _, s, _ in rows))}"
    )
    print(
        f"publish lag behind schedule: p50={pct(publish_lag, 50) * 1000:.1f} ms "
        f"max={max(publish_lag) * 1000:.1f} ms"
    )
    print("lateness = sent_at - scheduled_time:")
    print(line("all", by_channel["email"] + by_channel["push"]))
    print(line("email", by_channel["email"]))
    print(line("push", by_channel["push"]))
    duplicates = sum(v - 1 for v in mails.values()) + sum(v - 1 for v in pushes_here.values())
    print(
        f"received: {sum(mails.values())} emails for {len(mails)} reminders, "
        f"{sum(pushes_here.values())} pushes for {len(pushes_here)} reminders; "
        f"duplicates: {duplicates}"
    )
    print(f"push requests rejected (VAPID/encryption): {len(push.rejected())}")
    print(f"alerts-dlq messages for this run: {len(dlq)}")
    push.stop()
    smtp.stop()


if __name__ == "__main__":
    main()
