"""Kafka's log directory runs out of space (a long drill: `-m drills`).

The drill moves the broker's own log directory of this stack's state onto a tmpfs just
large enough for what it holds, then fills it with a ballast file. Publishing then fails
with a clear error, the API keeps accepting (the outbox holds every event), and once space
is back and the broker restarted, every accepted event reaches its consumer."""

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from engine.reactions import CONSUMER_TASK_EVENTS
from tests.support.stack import (
    STATE,
    alive,
    auth,
    eventually,
    kill,
    new_user,
    pid_of,
    query,
    run_script,
)

DATA = STATE / "kafka" / "data"
HEADROOM_MB = 64  # the tmpfs: what the log holds now, plus this
LEFT_FREE = 256 * 1024  # bytes the ballast leaves: a few hundred events


def _sh(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _kafka_alive() -> bool:
    try:
        return alive(pid_of("kafka"))
    except FileNotFoundError:
        return False


def _stop_kafka() -> None:
    if _kafka_alive():
        kill("kafka", signal.SIGTERM)


@contextmanager
def kafka_on_small_disk() -> Iterator[Path]:
    """The broker's log directory on a tmpfs of its own; put back on disk afterwards."""
    _stop_kafka()
    disk = DATA.with_name("data.disk")
    DATA.rename(disk)
    DATA.mkdir()
    used_mb = int(_sh("du", "-sm", str(disk)).split()[0])
    _sh("mount", "-t", "tmpfs", "-o", f"size={used_mb + HEADROOM_MB}m", "tmpfs", str(DATA))
    try:
        _sh("cp", "-a", "--sparse=always", f"{disk}/.", f"{DATA}/")
        run_script("dev-up.sh", "--no-reload", timeout=600)
        yield DATA
    finally:
        _stop_kafka()
        shutil.rmtree(disk)
        disk.mkdir()
        (DATA / "ballast").unlink(missing_ok=True)
        _sh("cp", "-a", "--sparse=always", f"{DATA}/.", f"{disk}/")
        _sh("umount", str(DATA))
        DATA.rmdir()
        disk.rename(DATA)
        run_script("dev-up.sh", "--no-reload", timeout=600)


def _unsent(user: str) -> list[tuple[str | None]]:
    return [
        (r[0],)
        for r in query(
            "SELECT last_error FROM outbox WHERE partition_key = %s AND sent_at IS NULL", user
        )
    ]


def _consumed(user: str) -> int:
    return int(
        query(
            "SELECT count(*) FROM processed_events p JOIN outbox o ON o.event_id::text = "
            "p.event_id WHERE o.partition_key = %s AND p.consumer = %s",
            user,
            CONSUMER_TASK_EVENTS,
        )[0][0]
    )


@pytest.mark.drills
def test_kafka_disk_full_loses_nothing_the_api_accepted(api: httpx.Client) -> None:
    user = new_user()
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    accepted: list[str] = []

    def create(n: int) -> None:
        body = {"title": f"disk full {n}", "due_at": due, "reminders": ["1h"]}
        r = api.post("/tasks", json=body, headers=auth(user))
        assert r.status_code == 201, f"the API refused while Kafka is full: {r.text}"
        accepted.append(r.json()["task_id"])

    with kafka_on_small_disk() as data:
        free = shutil.disk_usage(data).free
        _sh("fallocate", "-l", str(free - LEFT_FREE), str(data / "ballast"))
        t0 = time.monotonic()
        # Fill the rest with real events until publishing fails (the outbox backs up).
        n = 0
        while not any(e for (e,) in _unsent(user)):
            assert n < 5000, "Kafka never ran out of space"
            create(n)
            n += 1
        t_full = time.monotonic() - t0
        # The API goes on accepting: each of these waits in the outbox.
        for i in range(50):
            create(n + i)
        errors = {e for (e,) in _unsent(user) if e}
        print(f"disk full after {n} tasks ({t_full:.1f} s); relay errors: {sorted(errors)[:3]}")
        kafka_log = (STATE / "logs" / "kafka.log").read_text(errors="replace")
        assert "No space left on device" in kafka_log
        assert all("task-operations" in e for e in errors), errors
        # Space comes back: the broker is restarted (it stops once its only log dir fails).
        (data / "ballast").unlink()
        if _kafka_alive():
            kill("kafka", signal.SIGKILL)
        t1 = time.monotonic()
        run_script("dev-up.sh", "--no-reload", timeout=600)
        eventually(lambda: not _unsent(user), timeout=180, interval=0.5)
        eventually(lambda: _consumed(user) == len(accepted), timeout=180, interval=0.5)
        print(
            f"{len(accepted)} accepted tasks, all published and consumed "
            f"{time.monotonic() - t1:.1f} s after space came back"
        )
