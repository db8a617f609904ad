"""The stack under test, started through the same script a developer runs (dev-up.sh)."""

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import jwt

P5 = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("P5_STATE", Path.home() / ".local/state/phase5"))
T = TypeVar("T")
# The one host the stack under test may send user-set URLs to (the test push service).
TEST_HOSTS = '["127.0.0.1"]'


@dataclass(frozen=True)
class App:
    app_id: str
    port: int
    dapr_http: int
    dapr_grpc: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dapr_url(self) -> str:
        return f"http://127.0.0.1:{self.dapr_http}"


API = App("todo-api", 8000, 3500, 50001)
ENGINE = App("recurring-task-service", 8001, 3501, 50002)
NOTIFIER = App("notification-service", 8002, 3502, 50003)
CHATBOT = App("chatbot-mcp", 8003, 3503, 50004)
KAFKA = "127.0.0.1:9092"
API_METRICS = "http://127.0.0.1:9464/metrics"  # Settings.metrics_port, not the public port


def run_script(name: str, *args: str, timeout: float = 1800) -> str:
    proc = subprocess.run(
        ["bash", str(P5 / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CI": "true", "OUTBOUND_TEST_HOSTS": TEST_HOSTS},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout + proc.stderr


def secrets() -> dict[str, str]:
    data: dict[str, str] = json.loads((STATE / "secrets" / "dev-secrets.json").read_text())
    return data


def token(user: str, lifetime: int = 3600, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"sub": user, "iat": now, "exp": now + lifetime, **overrides}
    return jwt.encode(claims, secrets()["better-auth-secret"], algorithm="HS256")


def auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user)}"}


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def task_with_reminder(title: str) -> dict[str, Any]:
    """A task whose v1.task.created the engine acts on (it schedules the reminder's job) and
    so records in processed_events; one without reminders is acknowledged untouched."""
    due = datetime.now(UTC) + timedelta(days=1)
    return {"title": title, "due_at": due.isoformat(), "reminders": ["1h"]}


def eventually(fn: Callable[[], T | None], timeout: float = 30, interval: float = 0.1) -> T:
    """Polls fn until it returns something truthy; the readiness-polling habit, no sleeps."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value {last!r})")


def log_files() -> list[Path]:
    return sorted((STATE / "logs").glob("*.log"))


def db_url() -> str:
    return secrets()["database-url"].replace("postgresql+asyncpg://", "postgresql://")


def workflow_state(series_id: str, *, payloads: bool = False) -> Any:
    """The series workflow's state (a dapr.ext.workflow WorkflowState), None while it is not
    known. daprd 1.18.2 may answer a read that overlaps a save with UNKNOWN "inbox key ...
    missing from state store" (engine/reactions.py reads again for the same reason): to a
    test that polls, that is "not known yet", not a failure."""
    import grpc
    from dapr.ext.workflow import DaprWorkflowClient

    client = DaprWorkflowClient(host="127.0.0.1", port=str(ENGINE.dapr_grpc))
    try:
        return client.get_workflow_state(f"series-{series_id}", fetch_payloads=payloads)
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.UNKNOWN and "missing from state store" in str(exc):
            return None
        raise
    finally:
        client.close()


def query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(db_url(), autocommit=True) as conn:
        rows = conn.execute(sql, params).fetchall()
    return list(rows)


def pid_of(process: str) -> int:
    return int((STATE / "run" / f"{process}.pid").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def kill(process: str, sig: int) -> None:
    """Signals one process of the stack and waits until it is gone."""
    pid = pid_of(process)
    os.kill(pid, sig)
    eventually(lambda: not alive(pid), timeout=30)
