"""The scripts answer bad situations with one line that says what is wrong and what to do."""

import os
import subprocess
from pathlib import Path

from tests.support.stack import P5


def _run(
    script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(P5 / "scripts" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_port_already_taken_is_named(stack: str, tmp_path: Path) -> None:
    # A second stack in another state directory collides with the running one on 5433.
    state = tmp_path / "state"
    pg = Path("/tmp") / f"p5-pg-{tmp_path.name}"
    proc = _run(
        "dev-up.sh", "--no-reload", env={"P5_STATE": str(state), "P5_PG_DATA": str(pg / "data")}
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: port 5433 (needed by postgres) is already taken"), proc.stderr
    assert "dev-down.sh" in last


def test_unknown_option_and_missing_argument(stack: str) -> None:
    bad = _run("dev-up.sh", "--frobnicate")
    assert bad.returncode != 0 and "unknown option --frobnicate" in bad.stderr
    assert "unknown app nope" in _run("dev-up.sh", "--restart", "nope").stderr
    usage = _run("dev-token.sh")
    assert usage.returncode != 0 and "usage: dev-token.sh USER" in usage.stderr


def test_missing_go_is_reported_not_hung(stack: str) -> None:
    proc = _run("install-dapr.sh", env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "go is not installed" in proc.stderr


def test_status_reports_every_process_up(stack: str) -> None:
    out = _run("dev-up.sh", "--status").stdout
    for name in (
        "postgres",
        "kafka",
        "placement",
        "scheduler",
        "todo-api",
        "todo-api-daprd",
        "recurring-task-service",
        "notification-service-daprd",
    ):
        line = next(line for line in out.splitlines() if line.split()[0] == name)
        assert " up " in line, line
