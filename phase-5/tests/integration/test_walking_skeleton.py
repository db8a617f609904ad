"""Each real part of the stack, proven with assertions that fail if the part is missing."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from engine.reactions import CONSUMER_TASK_EVENTS
from tests.support.kafka import TopicTail, partitions
from tests.support.stack import (
    API,
    STATE,
    auth,
    eventually,
    log_files,
    new_user,
    query,
    secrets,
    task_with_reminder,
)


def test_api_write_lands_in_postgres_and_kafka_and_reaches_the_engine(api: httpx.Client) -> None:
    user = new_user()
    tail = TopicTail("task-operations")
    try:
        r = api.post("/tasks", json=task_with_reminder("walking skeleton"), headers=auth(user))
        assert r.status_code == 201, r.text
        task_id = r.json()["task_id"]

        rows = query("SELECT user_id, title FROM tasks WHERE task_id = %s", task_id)
        assert rows == [(user, "walking skeleton")]

        event, msg = tail.find(
            lambda b, _: b.get("data", {}).get("task", {}).get("task_id") == task_id
        )
    finally:
        tail.close()
    assert msg.key() == user.encode(), "partition key must be the user id"
    assert partitions("task-operations") == 12
    for field in ("id", "type", "source", "time", "datacontenttype", "data"):
        assert field in event, f"CloudEvent lacks {field}"
    assert event["type"] == "v1.task.created"
    assert event["data"]["user_id"] == user
    outbox = query(
        "SELECT event_id::text, sent_at IS NOT NULL FROM outbox WHERE event_id = %s", event["id"]
    )
    assert outbox == [(event["id"], True)], "the CloudEvent id is the outbox row id"

    consumed = eventually(
        lambda: query(
            "SELECT consumer FROM processed_events WHERE event_id = %s AND consumer = %s",
            event["id"],
            CONSUMER_TASK_EVENTS,
        ),
        timeout=30,
    )
    assert consumed == [(CONSUMER_TASK_EVENTS,)]


def test_reminder_job_comes_back_to_the_engine_at_its_due_time(api: httpx.Client) -> None:
    """Dapr Jobs end to end on the real path: the engine schedules the reminder's job, the
    scheduler calls the engine back at the due time, and the callback marks the reminder
    fired. (The workflow engine itself, activity and durable timer, is proven by
    tests/e2e/test_series_engine.py: a round at the lead time, and `dapr workflow` output.)"""
    user = new_user()
    due = datetime.now(UTC) + timedelta(seconds=4)
    r = api.post(
        "/tasks",
        json={"title": "job round trip", "due_at": due.isoformat(), "reminders": ["0m"]},
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    rows = eventually(
        lambda: query(
            "SELECT scheduled_time, fired_at FROM reminders "
            "WHERE task_id = %s AND fired_at IS NOT NULL",
            r.json()["task_id"],
        ),
        timeout=60,
    )
    scheduled, fired = rows[0]
    assert fired >= scheduled - timedelta(milliseconds=500), "a job must not fire before its time"


def test_secret_comes_through_dapr_and_never_into_logs(stack: str) -> None:
    expected = secrets()["better-auth-secret"]
    r = httpx.get(f"{API.dapr_url}/v1.0/secrets/localsecretstore/better-auth-secret", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"better-auth-secret": expected}
    files = log_files()
    assert files, f"no log files under {STATE / 'logs'}"
    for f in files:
        assert expected not in f.read_text(errors="replace"), f"secret leaked into {f}"


def test_failing_handler_sends_message_to_dead_letter_topic(stack: str) -> None:
    poison_id = f"poison-{uuid.uuid4()}"
    # `data` must be an object; a string can never be processed, so the handler keeps failing.
    poison = {
        "specversion": "1.0",
        "id": poison_id,
        "type": "v1.task.created",
        "source": "tests",
        "datacontenttype": "application/json",
        "data": "not an object",
    }
    tail = TopicTail("task-events-dlq")
    try:
        r = httpx.post(
            f"{API.dapr_url}/v1.0/publish/pubsub/task-operations",
            content=json.dumps(poison),
            headers={"content-type": "application/cloudevents+json"},
            params={"metadata.partitionKey": "poison"},
            timeout=10,
        )
        assert r.status_code == 204, r.text
        event, _ = tail.find(lambda b, _: b.get("id") == poison_id, timeout=90)
    finally:
        tail.close()
    assert event["data"] == "not an object"
    assert query("SELECT 1 FROM processed_events WHERE event_id = %s", poison_id) == []
