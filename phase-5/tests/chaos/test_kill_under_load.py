"""Every process killed under load (issue 16): kill -9 one at a time, then two together,
restart, and check that nothing was lost or doubled and no series is stuck.

The CI drill kills each process of the engine's path once and two pairs (the control plane
together, while the sidecars keep running: dapr/dapr#10337; and both data stores). The
long drill (`-m drills`, run by `bench.sh --drills`) adds the chatbot, each service with
its own sidecar, and a service with a data store."""

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
from tests.support.push import PushSink
from tests.support.smtp import SmtpSink

FAST_PLAN: list[tuple[str, ...]] = [
    *((p,) for p in EVERY_ONE),
    CONTROL_PLANE,
    STORES,
]
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


def _drill(api: httpx.Client, smtp: SmtpSink, push: PushSink, plan: list[tuple[str, ...]]) -> None:
    load = start_load(api, smtp, push)
    steps: list[Step] = []
    try:
        for victims in plan:
            steps.append(kill_and_recover(load, victims))
    finally:
        load.stop()
    for step in steps:
        print(step.line())
    figures = assert_one_next_per_completion(load)
    events = assert_events_consumed(load)
    reminders = assert_reminders_once(load, smtp, push)
    assert_no_series_stuck(load)
    print(
        f"{figures['completions']} completions ({figures['confirmed']} answered 200), "
        f"{events} events, {reminders['reminders']} reminders x 2 channels; "
        f"failed calls by kind {dict(load.errors)}"
    )
    # The drill means something only if the load ran through it.
    assert figures["completions"] >= 2 * len(plan)
    assert reminders["reminders"] >= len(plan)


def test_each_process_killed_under_load(api: httpx.Client, smtp: SmtpSink, push: PushSink) -> None:
    _drill(api, smtp, push, FAST_PLAN)


@pytest.mark.drills
def test_more_pairs_killed_under_load(api: httpx.Client, smtp: SmtpSink, push: PushSink) -> None:
    _drill(api, smtp, push, LONG_PLAN)
