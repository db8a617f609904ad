"""The scripts answer bad situations with one line that says what is wrong and what to do."""

import os
import subprocess
from pathlib import Path

from tests.support.stack import P5, STATE


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
    # No Go on PATH and none where its installers put it.
    proc = _run("install-dapr.sh", env={"PATH": "/usr/bin:/bin", "P5_GO_DIRS": ""})
    assert proc.returncode != 0
    assert "go is not installed" in proc.stderr


def test_go_in_its_official_place_is_found_from_a_fresh_path(stack: str) -> None:
    """A fresh login shell has no /usr/local/go/bin on PATH: the scripts look there."""
    found = subprocess.run(
        ["bash", "-c", f"source {P5 / 'scripts/lib/common.sh'} && command -v go"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("GOROOT", "P5_GO_DIRS")}
        | {"PATH": "/usr/bin:/bin"},
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().endswith("/bin/go") and os.access(found.stdout.strip(), os.X_OK)


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
        "chatbot-mcp",
        "chatbot-mcp-daprd",
        "zipkin",
        "prometheus",
        "alertmanager",
        "kafka-exporter",
    ):
        line = next(line for line in out.splitlines() if line.split()[0] == name)
        assert " up " in line, line


def test_every_listener_of_the_stack_is_on_loopback(stack: str) -> None:
    ours: set[str] = set()
    for pidfile in (STATE / "run").glob("*.pid"):
        sid = subprocess.run(
            ["ps", "-o", "sid=", "-p", pidfile.read_text().strip()], capture_output=True, text=True
        ).stdout.strip()
        if sid:
            ours |= set(
                subprocess.run(
                    ["ps", "-o", "pid=", "--sid", sid], capture_output=True, text=True
                ).stdout.split()
            )
    listeners = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout.splitlines()
    checked = 0
    for line in listeners:
        pids = {part.split(",")[0] for part in line.split("pid=")[1:]}
        if not pids & ours:
            continue
        local = line.split()[3]
        checked += 1
        assert local.rsplit(":", 1)[0] in ("127.0.0.1", "[::ffff:127.0.0.1]", "[::1]"), line
    assert checked >= 15, f"expected the stack's listeners, saw {checked}"


FRESH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _fresh_login_shell(command: str) -> subprocess.CompletedProcess[str]:
    """One command in a new login shell with a fresh machine's environment: no uv, no venv,
    nothing exported by a previous run; only this stack's state directory is passed on."""
    env = {"HOME": os.environ["HOME"], "PATH": FRESH_PATH, "CI": "true", "P5_STATE": str(STATE)}
    if "P5_PG_DATA" in os.environ:
        env["P5_PG_DATA"] = os.environ["P5_PG_DATA"]
    return subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-lc", command],
        cwd=P5.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_readme_commands_work_again_in_fresh_login_shells(stack: str) -> None:
    # The second run of each README command is the one that failed for newcomers: uv was
    # installed where a new shell's PATH does not look, and the venv's python has no pip.
    up = _fresh_login_shell("./phase-5/scripts/dev-up.sh --no-reload")
    assert up.returncode == 0, up.stderr[-2000:]
    assert "stack healthy" in up.stderr
    tests = _fresh_login_shell("./phase-5/scripts/test.sh tests/unit/test_phrases.py -q")
    assert tests.returncode == 0, tests.stdout[-2000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout
    status = _fresh_login_shell("./phase-5/scripts/dev-up.sh --status")
    dapr_cli = next(
        line.split()[2] for line in status.stdout.splitlines() if line.startswith("dapr CLI:")
    )
    version = subprocess.run([dapr_cli, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "1.16.5" in version.stdout
