"""The series, the idiomatic Temporal way: one long-running workflow per series. Each round
runs the activity that materializes the next occurrence, then waits for the first of a
completion signal or the next occurrence's lead-time instant (a durable timer), and after
`rounds_per_generation` rounds continues as new to keep the history short (the same shape
as our series_workflow)."""

from contextlib import suppress
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from bench.peers.temporal.contracts import COMPLETE_SIGNAL, RoundInput, SeriesState

ROUND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=15),
    maximum_attempts=5,
)


@workflow.defn(name="SeriesWorkflow")
class SeriesWorkflow:
    def __init__(self) -> None:
        self._completed: set[int] = set()

    @workflow.signal(name=COMPLETE_SIGNAL)
    def complete(self, occurrence: int) -> None:
        self._completed.add(occurrence)

    @workflow.run
    async def run(self, state: SeriesState) -> None:
        self._completed.update(state.completed)
        for _ in range(state.rounds_per_generation):
            current = state.cursor
            due = state.start_epoch + current * state.interval_seconds
            await workflow.execute_activity(
                "advance_series",
                RoundInput(state.series_id, state.user_id, current, due),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=ROUND_RETRY,
            )
            state.cursor = current + 1
            fire = due + state.interval_seconds - state.lead_seconds
            delay = fire - workflow.now().timestamp()
            if delay <= 0 or current in self._completed:
                continue
            # Timing out is the lead-time instant: the next round materializes.
            with suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda c=current: c in self._completed,  # type: ignore[misc]
                    timeout=timedelta(seconds=delay),
                )
        # A signal that arrived during this generation and is not acted on yet crosses over.
        state.completed = sorted(i for i in self._completed if i >= state.cursor)
        workflow.continue_as_new(state)
