"""Each real part of the stack, proven with assertions that fail if the part is missing."""

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from dapr.ext.workflow import DaprWorkflowClient, WorkflowStatus

from infra.messaging import CONSUMER_JOBS, CONSUMER_TASK_EVENTS
from tests.support.kafka import TopicTail, partitions
from tests.support.stack import (
    API,
    ENGINE,
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


def test_workflow_runs_activity_and_durable_timer(stack: str) -> None:
    instance = f"diag-{uuid.uuid4().hex[:10]}"
    client = DaprWorkflowClient(host="127.0.0.1", port=str(ENGINE.dapr_grpc))
    try:
        client.schedule_new_workflow(
            "diagnostic_workflow", input={"message": "hi", "timer_seconds": 2}, instance_id=instance
        )
        state = client.wait_for_workflow_completion(instance, timeout_in_seconds=90)
    finally:
        client.close()
    assert state is not None and state.runtime_status == WorkflowStatus.COMPLETED
    output = json.loads(state.serialized_output or "{}")
    assert output["echo"] == "echo: hi"
    assert output["timer_waited_s"] >= 2

    conn = secrets()["dapr-state-connection"]
    listing = subprocess.run(
        [
            "bash",
            "-c",
            f'"$HOME/.cache/phase5/bin/dapr" workflow list -a {ENGINE.app_id} '
            f'-c "$0" -t dapr_workflow_state -o json',
            conn,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listing.returncode == 0, listing.stderr
    assert instance in listing.stdout


def test_job_is_delivered_back_to_the_app(stack: str) -> None:
    name = f"selfcheck-{uuid.uuid4().hex[:10]}"
    due = datetime.now(UTC) + timedelta(seconds=3)
    r = httpx.post(
        f"{ENGINE.dapr_url}/v1.0/jobs/{name}",
        json={"dueTime": due.isoformat(), "data": {"check": name}},
        timeout=10,
    )
    assert r.status_code in (200, 204), r.text
    rows = eventually(
        lambda: query(
            "SELECT processed_at FROM processed_events WHERE event_id = %s AND consumer = %s",
            f"job:{name}",
            CONSUMER_JOBS,
        ),
        timeout=60,
    )
    assert rows[0][0] >= due - timedelta(milliseconds=500), (
        "a job must not fire before its due time"
    )


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
