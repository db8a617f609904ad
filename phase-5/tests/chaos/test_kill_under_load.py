"""Every process killed under load (issue 16): kill -9 one at a time, then two together,
restart, and check that nothing was lost or doubled and no series is stuck.

The CI drill kills each process of the engine's path once and two pairs (the control plane
together, while the sidecars keep running: dapr/dapr#10337; and both data stores). The
long drill (`-m drills`, run by `bench.sh --drills`) adds the chatbot, each service with
its own sidecar, and a service with a data store."""

import contextlib
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.chaos.drills import CONTROL_PLANE, EVERY_ONE, STORES, Step, kill_and_recover
from tests.chaos.load import (
    assert_events_consumed,
    assert_no_series_stuck,
    assert_one_next_per_completion,
    assert_reminders_once,
    start_load,
)
from tests.support.kafka import TopicTail
from tests.support.push import PushSink
from tests.support.smtp import SmtpSink
from tests.support.stack import NOTIFIER, STATE, alive, eventually, pid_of, run_script

FAST_PLAN: list[tuple[str, ...]] = [
    *((p,) for p in EVERY_ONE),
    CONTROL_PLANE,
    STORES,
]
DLQ_TOPICS = ("task-events-dlq", "updates-dlq", "alerts-dlq")
LONG_PLAN: list[tuple[str, ...]] = [
    ("chatbot-mcp",),
    ("chatbot-mcp-daprd",),
    ("todo-api", "todo-api-daprd"),
    ("recurring-task-service", "recurring-task-service-daprd"),
    ("notification-service", "notification-service-daprd"),
    ("recurring-task-service", "kafka"),
    ("todo-api", "postgres"),
    ("notification-service", "kafka"),
    ("recurring-task-service-daprd", "scheduler"),
    ("recurring-task-service-daprd", "placement"),
]


def _drill(
    api: httpx.Client, smtp: SmtpSink, push: PushSink, plan: list[tuple[str, ...]]
) -> list[str]:
    """Runs the plan under load; returns every promise it saw broken (empty: all kept)."""
    dead_letters = {t: TopicTail(t) for t in DLQ_TOPICS}
    load = start_load(api, smtp, push)
    steps: list[Step] = []
    try:
        for victims in plan:
            steps.append(kill_and_recover(load, victims))
    finally:
        load.stop()
    for step in steps:
        print(step.line())
    # Every check runs and reports, so one run of the drill shows every broken promise.
    failures: list[str] = []
    figures: dict[str, int] = {}
    checks: list[tuple[str, Callable[[], object]]] = [
        ("one next per completion", lambda: figures.update(assert_one_next_per_completion(load))),
        ("events consumed", lambda: figures.update(events=assert_events_consumed(load))),
        ("reminders once", lambda: figures.update(assert_reminders_once(load, smtp, push))),
        ("no series stuck", lambda: assert_no_series_stuck(load)),
    ]
    for name, check in checks:
        try:
            check()
        except AssertionError as exc:
            failures.append(f"{name}: {str(exc)[:1500]}")
    mine = load.user.encode()
    parked = [
        json.loads(m.value()).get("type")
        for tail in dead_letters.values()
        for _, m in tail.find_all(lambda _b, m: m.key() == mine, timeout=3, want=10**6)
    ]
    print(f"figures {figures}; failed calls by kind {dict(load.errors)}; dead-lettered {parked}")
    if parked:
        failures.append(f"events dead-lettered by a transient outage: {parked}")
    # The drill means something only if the load ran through it.
    if figures.get("completions", 0) < 2 * len(plan) or figures.get("reminders", 0) < len(plan):
        failures.append(f"too little load ran through the drill: {figures}")
    return failures


def _gone(pid: int) -> bool:
    """Dead or a zombie (killed, not yet reaped by whoever adopted it)."""
    if not alive(pid):
        return True
    with contextlib.suppress(FileNotFoundError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    return True


# dapr/dapr#10337: a sidecar that runs but no longer answers (after a control-plane restart
# some daprd never re-initialise and stay unready for good) is detected by the stack's
# supervisor, dev-up.sh, and replaced; a healthy one is left alone. The stuck state is made
# with SIGSTOP: the process is there, its ports accept connections, nothing answers.


def test_a_running_but_unready_sidecar_is_replaced_by_dev_up(stack: str) -> None:
    name = "notification-service-daprd"
    stuck = pid_of(name)
    os.kill(stuck, signal.SIGSTOP)
    try:
        out = run_script("dev-up.sh", "--no-reload", timeout=600)
    except Exception:
        # Leave the shared stack whole for the tests after this one, then report.
        with contextlib.suppress(ProcessLookupError):
            os.kill(stuck, signal.SIGKILL)
        run_script("dev-up.sh", "--no-reload", timeout=600)
        raise
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stuck, signal.SIGCONT)
    assert f"{name} is running but not ready for 30 s" in out
    assert _gone(stuck), "the stuck sidecar was stopped"
    assert pid_of(name) != stuck
    eventually(
        lambda: httpx.get(f"{NOTIFIER.dapr_url}/v1.0/healthz", timeout=2).status_code == 204,
        timeout=30,
    )
    # The healthy ones were not touched: a second run restarts nothing.
    again = run_script("dev-up.sh", "--no-reload", timeout=600)
    assert "not ready for 30 s" not in again
    assert (STATE / "run" / f"{name}.pid").exists()


def test_each_process_killed_under_load(api: httpx.Client, smtp: SmtpSink, push: PushSink) -> None:
    broken = _drill(api, smtp, push, FAST_PLAN)
    assert not broken, "\n".join(broken)


@pytest.mark.drills
def test_more_pairs_killed_under_load(api: httpx.Client, smtp: SmtpSink, push: PushSink) -> None:
    broken = _drill(api, smtp, push, LONG_PLAN)
    assert not broken, "\n".join(broken)
