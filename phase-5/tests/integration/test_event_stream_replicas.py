"""Streams attached to any API replica: a second todo-api process (same database, same
sidecar, but the sidecar delivers subscriptions to the first one only, as Dapr delivers a
message to one replica of the consumer group) streams what the first one took in, and
stops promptly on SIGTERM with a stream open."""

import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.sse import EventStream
from tests.support.stack import API, P5, auth, eventually, new_user

SECOND = "http://127.0.0.1:8010"


@pytest.fixture
def second_replica(stack: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = (tmp_path / "todo-api-2.log").open("wb")
    proc = subprocess.Popen(
        [
            str(P5 / ".venv/bin/uvicorn"),
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            "8010",
            "--no-access-log",
        ],
        cwd=P5,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "APP_ID": "todo-api",
            "APP_PORT": "8010",
            "DAPR_HTTP_PORT": str(API.dapr_http),
            "DAPR_GRPC_PORT": str(API.dapr_grpc),
            "METRICS_PORT": "9474",
        },
    )

    def up() -> bool:
        try:
            return httpx.get(f"{SECOND}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        eventually(up, timeout=60, interval=0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()


def test_a_stream_on_another_replica_sees_the_event_and_stops_on_sigterm(
    api: httpx.Client, second_replica: subprocess.Popen[bytes]
) -> None:
    user = new_user()
    stream = EventStream(f"{SECOND}/api/v1/me/events", auth(user))
    try:
        assert stream.status == 200, stream.body
        assert stream.next().event == "stream.ready"
        due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        # Written through replica 1, taken in from Kafka by replica 1 (the sidecar's app).
        task = api.post("/tasks", json={"title": "x", "due_at": due}, headers=auth(user)).json()
        got = stream.until(lambda m: m.event == "v1.task.created")
        assert got[-1].json["task_id"] == task["task_id"]

        # A stop with a stream open: the stream ends and the process exits by itself
        # (without the exit-signal hook uvicorn waits for the stream for ever).
        second_replica.send_signal(signal.SIGTERM)
        assert stream.ended.wait(20), "the stream stayed open after SIGTERM"
        assert second_replica.wait(20) == 0
    finally:
        stream.close()
