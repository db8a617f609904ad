"""The series workflow's control flow (workflows/series.py), driven step by step with a
recording context: which activity, wait and continue_as_new each round asks for. Needs no
database code: the workflow calls its activity by name (a check below proves it)."""

import json
import subprocess
import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dapr.ext.workflow import TaskFailedError

from workflows import series
from workflows.contracts import ADVANCE_SERIES, ROUNDS_PER_GENERATION, WAKE_EVENT
from workflows.series import MIN_WAIT, RETRY_AFTER_FAILURE, series_workflow

P5 = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 12, 0)  # the context's clock: naive UTC


class Step:
    """A task the workflow yields, labelled with what it asked for."""

    def __init__(self, kind: str, **what: Any) -> None:
        self.kind, self.what = kind, what


class RoundFailed(TaskFailedError):
    """What the SDK raises in the workflow when the activity failed after its retries."""

    def __init__(self) -> None:
        Exception.__init__(self, "advance_series failed: db down")


@pytest.fixture(autouse=True)
def recorded_when_any(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(series, "when_any", lambda tasks: Step("any", tasks=list(tasks)))


@dataclass
class Ctx:
    continued: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    current_utc_datetime: datetime = NOW
    is_replaying: bool = False

    def call_activity(self, name: str, *, input: Any, retry_policy: Any = None) -> Step:
        assert isinstance(name, str), "activities are called by their registered name"
        return Step("activity", name=name, input=input)

    def wait_for_external_event(self, name: str, *, timeout: Any = None) -> Step:
        return Step("wait", name=name, timeout=timeout)

    def set_custom_status(self, status: str) -> None:
        self.statuses.append(json.loads(status))

    def create_timer(self, fire_at: datetime) -> Step:
        return Step("timer", fire_at=fire_at)

    def continue_as_new(self, new_input: Any, *, save_events: bool = False) -> None:
        self.continued.append(new_input)


def start(raw: dict[str, Any]) -> tuple[Ctx, Generator[Any, Any, dict[str, Any]], Any]:
    ctx = Ctx()
    gen = series_workflow(ctx, raw)  # type: ignore[arg-type]
    return ctx, gen, next(gen)


def round_result(**kw: Any) -> dict[str, Any]:
    return {"finished": False, "paused": False, "wake_at": None, "created": [], **kw}


def wake_in(delta: timedelta) -> str:
    return (NOW + delta).replace(tzinfo=UTC).isoformat()


def finish(gen: Generator[Any, Any, dict[str, Any]], send: Any = None) -> dict[str, Any]:
    with pytest.raises(StopIteration) as stop:
        gen.send(send)
    return stop.value.value  # type: ignore[no-any-return]


def test_a_round_reads_through_the_activity_then_waits_until_the_lead_time() -> None:
    _, gen, step = start({"series_id": "s1", "rounds_per_generation": 3})
    assert (step.kind, step.what["name"]) == ("activity", ADVANCE_SERIES)
    assert step.what["input"] == {"series_id": "s1"}
    wait = gen.send(round_result(wake_at=wake_in(timedelta(hours=1))))
    assert wait.kind == "wait" and wait.what["name"] == WAKE_EVENT
    assert wait.what["timeout"] == NOW + timedelta(hours=1), "one timer: the wait's timeout"


def test_a_generation_runs_its_rounds_then_continues_as_new_with_the_count() -> None:
    ctx, gen, step = start({"series_id": "s1", "rounds_per_generation": 3})
    for i in range(3):
        assert step.kind == "activity", f"round {i + 1} starts with the read"
        wait = gen.send(round_result(wake_at=wake_in(timedelta(minutes=5))))
        if i < 2:
            # The lead-time instant: the timeout ends the wait and the next round begins.
            step = gen.throw(TimeoutError("lead time"))
    assert finish(gen, {"reason": "instance_completed"}) == {}
    assert wait.kind == "wait"
    assert ctx.continued == [{"series_id": "s1", "rounds": 3, "rounds_per_generation": 3}]


def test_a_wake_up_starts_the_next_round_at_once() -> None:
    _, gen, _ = start({"series_id": "s1", "rounds_per_generation": 2})
    gen.send(round_result(wake_at=wake_in(timedelta(days=1))))
    nxt = gen.send({"reason": "instance_completed"})
    assert nxt.kind == "activity"


def test_each_round_reports_its_count_and_pause_in_the_custom_status() -> None:
    ctx, gen, _ = start({"series_id": "s1", "rounds": 5, "rounds_per_generation": 4})
    gen.send(round_result(paused=True))
    gen.send({"reason": "series_resumed"})
    gen.send(round_result(wake_at=wake_in(timedelta(hours=1))))
    assert [(s["rounds"], s["paused"]) for s in ctx.statuses] == [(6, True), (7, False)]
    assert ctx.statuses[1]["wake_at"].startswith("2026-03-02T13:00:00")


def test_a_paused_series_or_one_with_nothing_ahead_waits_only_for_events() -> None:
    _, gen, _ = start({"series_id": "s1", "rounds_per_generation": 4})
    paused = gen.send(round_result(paused=True, wake_at=wake_in(timedelta(hours=1))))
    assert paused.kind == "wait" and paused.what["timeout"] is None
    gen.send({"reason": "series_resumed"})
    idle = gen.send(round_result(wake_at=None))
    assert idle.kind == "wait" and idle.what["timeout"] is None


def test_a_lead_time_already_past_waits_the_minimum_not_zero() -> None:
    _, gen, _ = start({"series_id": "s1", "rounds_per_generation": 2})
    wait = gen.send(round_result(wake_at=wake_in(-timedelta(minutes=10))))
    assert wait.what["timeout"] == NOW + MIN_WAIT


def test_a_finished_series_ends_the_workflow_without_continuing() -> None:
    ctx, gen, _ = start({"series_id": "s1", "rounds": 7, "rounds_per_generation": 8})
    out = finish(gen, round_result(finished=True, reason="deleted"))
    assert out == {"series_id": "s1", "rounds": 8, "end": "deleted"}
    assert ctx.continued == []


def test_a_failed_round_waits_and_starts_a_fresh_generation() -> None:
    ctx, gen, _ = start({"series_id": "s1", "rounds_per_generation": 8})
    timer = gen.throw(RoundFailed())
    assert timer.kind == "timer" and timer.what["fire_at"] == NOW + RETRY_AFTER_FAILURE
    assert finish(gen) == {}
    assert ctx.continued == [{"series_id": "s1", "rounds": 0, "rounds_per_generation": 8}]


def test_a_generation_recorded_before_several_rounds_replays_its_own_shape() -> None:
    """Its input has no rounds_per_generation: one round, a timer and an indefinite wait
    under when_any, then continue_as_new into the current shape."""
    ctx, gen, step = start({"series_id": "s1", "rounds": 4})
    assert step.kind == "activity"
    waits = gen.send(round_result(wake_at=wake_in(timedelta(hours=2))))
    assert waits.kind == "any"
    kinds = sorted(child.kind for child in waits.what["tasks"])
    assert kinds == ["timer", "wait"]
    assert finish(gen, waits.what["tasks"][0]) == {}
    assert ctx.continued == [
        {"series_id": "s1", "rounds": 5, "rounds_per_generation": ROUNDS_PER_GENERATION}
    ]


def test_the_workflow_package_imports_no_database_or_activity_code() -> None:
    """Deterministic code only: importing the workflow in a fresh interpreter loads no
    SQLAlchemy, SQLModel, storage or activity module."""
    code = (
        "import sys, workflows.series, workflows.contracts; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'sqlmodel', 'storage', 'activities', 'asyncpg', 'engine'}); "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=P5
    )
    assert out.stdout.strip() == ""


def test_the_runtime_registers_the_names_the_workflow_calls() -> None:
    """The workflow calls `advance_series` by name: the runtime must register the activity
    under exactly that name (and each function under its own name)."""
    from engine.runtime import ACTIVITIES, WORKFLOWS

    assert {name: fn.__name__ for name, fn in WORKFLOWS.items()} == {
        "series_workflow": "series_workflow"
    }
    assert {name: fn.__name__ for name, fn in ACTIVITIES.items()} == {
        ADVANCE_SERIES: "advance_series"
    }


TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_the_trace_context_of_a_wake_up_goes_into_the_next_round() -> None:
    """The wake-up's traceparent is the next round's; a timer-woken round gets none; the
    context that ended a generation starts the next one."""
    ctx, gen, step = start({"series_id": "s1", "rounds_per_generation": 3, "traceparent": TP})
    assert step.what["input"] == {"series_id": "s1", "traceparent": TP}
    gen.send(round_result(wake_at=wake_in(timedelta(hours=1))))
    step = gen.send({"reason": "instance_completed", "traceparent": TP.replace("b7", "c8", 1)})
    assert step.what["input"]["traceparent"] == TP.replace("b7", "c8", 1)
    gen.send(round_result(wake_at=wake_in(timedelta(hours=1))))
    step = gen.throw(TimeoutError())  # the lead-time timer, not an event
    assert step.what["input"] == {"series_id": "s1"}
    gen.send(round_result(wake_at=wake_in(timedelta(hours=1))))
    assert finish(gen, {"reason": "series_edited", "traceparent": TP}) == {}
    assert ctx.continued == [
        {"series_id": "s1", "rounds": 3, "rounds_per_generation": 3, "traceparent": TP}
    ]


def test_a_wake_up_without_trace_context_is_a_round_without_one() -> None:
    _, gen, _ = start({"series_id": "s1", "rounds_per_generation": 2})
    gen.send(round_result(wake_at=wake_in(timedelta(hours=1))))
    step = gen.send({"reason": "instance_completed"})  # an older engine's wake-up
    assert step.what["input"] == {"series_id": "s1"}
