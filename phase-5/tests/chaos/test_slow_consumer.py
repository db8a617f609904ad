"""A consumer slow for five minutes (a long drill: `-m drills`): the lag alert fires in the
local Prometheus while it is slow, then it catches up and nothing is lost or doubled.

recurring-task-service is made slow from the outside, the way a real one gets slow: a
transaction holds its `processed_events` table, so each event it handles waits on the
lock (its other work, workflow rounds and reminder jobs, does not touch that table)."""

import time
from typing import Any

import httpx
import psycopg
import pytest

from tests.chaos.load import (
    assert_events_consumed,
    assert_no_series_stuck,
    assert_one_next_per_completion,
    assert_reminders_once,
    start_load,
)
from tests.support.push import PushSink
from tests.support.smtp import SmtpSink
from tests.support.stack import db_url, eventually

SLOW_S = 300
PROMETHEUS = "http://127.0.0.1:9090"


def _lag_alerts() -> list[dict[str, Any]]:
    r = httpx.get(f"{PROMETHEUS}/api/v1/alerts", timeout=10)
    r.raise_for_status()
    return [
        a for a in r.json()["data"]["alerts"] if a["labels"].get("alertname") == "ConsumerLagHigh"
    ]


@pytest.mark.drills
def test_a_consumer_slow_for_five_minutes_alerts_then_catches_up(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    load = start_load(api, smtp, push)
    load.wait_progress(load.engine_instances(), more=2)
    # An alert still firing from an earlier outage (a drill before this one) would prove
    # nothing: start from a quiet topic (the p95 window is 5 minutes).
    eventually(lambda: not _lag_alerts(), timeout=480, interval=5)
    seen: list[tuple[float, str]] = []
    try:
        t0 = time.monotonic()
        with psycopg.connect(db_url()) as conn:
            conn.execute("LOCK TABLE processed_events IN ACCESS EXCLUSIVE MODE")
            at_lock = load.engine_instances()
            while (elapsed := time.monotonic() - t0) < SLOW_S:
                seen += [
                    (elapsed, a["state"])
                    for a in _lag_alerts()
                    if a["labels"].get("topic") == "task-operations"
                ]
                time.sleep(5)
            stuck_at = load.engine_instances()
            conn.rollback()
        t1 = time.monotonic()
        load.wait_progress(stuck_at, more=2, timeout=300)
        print(f"caught up: the engine made instances again {time.monotonic() - t1:.1f} s later")
    finally:
        load.stop()
    pending = min((t for t, state in seen if state == "pending"), default=None)
    firing = min((t for t, state in seen if state == "firing"), default=None)
    print(f"lag alert on task-operations: pending at {pending} s, firing at {firing} s")
    assert pending is not None and firing is not None and firing > pending, seen
    # At most the events already past the lock when it was taken (one per series) went on.
    assert stuck_at <= at_lock + len(load.series), "the consumer was not slow"
    figures = assert_one_next_per_completion(load)
    assert_events_consumed(load)
    assert_reminders_once(load, smtp, push)
    assert_no_series_stuck(load)
    print(f"{figures}, failed calls {dict(load.errors)}")
