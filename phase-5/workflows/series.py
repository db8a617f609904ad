"""The series workflow: one long-lived instance per series, id `series-<series_id>`.

Each round: an activity reads the truth and creates what is due; then the workflow waits
for a wake-up event, or until the lead-time instant. A generation runs a few rounds and
then continues as new, so its history stays short forever. Events only wake it: one
raised during continue_as_new can be lost (dapr/dapr#8277), and the next round's read of
the database makes that harmless. Deterministic: no I/O, no clock but the context's."""

from collections.abc import Generator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from dapr.ext.workflow import DaprWorkflowContext, RetryPolicy, TaskFailedError, when_any

from workflows.contracts import (
    ADVANCE_SERIES,
    WAKE_EVENT,
    RoundInput,
    RoundResult,
    RoundStatus,
    SeriesState,
    traceparent_of,
)

# The wait carries the lead-time instant as its timeout, so a round costs one durable
# timer, and the runtime deletes it when an event wins.
MIN_WAIT = timedelta(seconds=1)
RETRY_AFTER_FAILURE = timedelta(seconds=30)
ROUND_RETRY = RetryPolicy(
    first_retry_interval=timedelta(seconds=1),
    max_number_of_attempts=5,
    backoff_coefficient=2.0,
    max_retry_interval=timedelta(seconds=15),
)


def _like(moment: datetime, reference: datetime) -> datetime:
    """The context's clock is naive UTC; activity results carry aware UTC."""
    if reference.tzinfo is None and moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _wait(ctx: DaprWorkflowContext, result: RoundResult) -> Any:
    """Until a wake-up, or the lead-time instant when there is one to wait for."""
    if result.wake_at is None or result.paused:
        return ctx.wait_for_external_event(WAKE_EVENT)
    now = ctx.current_utc_datetime
    fire_at = max(_like(result.wake_at, now), now + MIN_WAIT)
    return ctx.wait_for_external_event(WAKE_EVENT, timeout=fire_at)


def series_workflow(
    ctx: DaprWorkflowContext, raw: dict[str, Any]
) -> Generator[Any, Any, dict[str, Any]]:
    state = SeriesState.model_validate(raw)
    if "rounds_per_generation" not in raw:
        # A generation started before rounds ran several per generation replays the shape
        # it was recorded with. Decided by its input, not by the SDK's is_patched: on Dapr
        # 1.18.2 a late event to a completed workflow whose history holds a patch stalls
        # it while holding its actor lock, and that blocks the workflow actors from
        # re-registering when the worker reconnects.
        return (yield from _legacy_generation(ctx, state))
    # The round runs in the trace of what caused it; the trace context is data the event
    # (or the state) carries, so replay sees the same input.
    traceparent = state.traceparent
    for _ in range(state.rounds_per_generation):
        try:
            out = yield ctx.call_activity(
                ADVANCE_SERIES,
                input=RoundInput(series_id=state.series_id, traceparent=traceparent).model_dump(
                    exclude_none=True  # an untraced round keeps the input's old shape
                ),
                retry_policy=ROUND_RETRY,
            )
        except TaskFailedError:
            # The database or sidecar is down for longer than the retries: try again
            # later rather than failing the series for good.
            yield ctx.create_timer(ctx.current_utc_datetime + RETRY_AFTER_FAILURE)
            break
        result = RoundResult.model_validate(out)
        state.rounds += 1
        status = RoundStatus(rounds=state.rounds, paused=result.paused, wake_at=result.wake_at)
        ctx.set_custom_status(status.model_dump_json())
        if result.finished:
            return {"series_id": state.series_id, "rounds": state.rounds, "end": result.reason}
        traceparent = None
        with suppress(TimeoutError):  # the lead-time instant: the next round materializes
            traceparent = traceparent_of((yield _wait(ctx, result)))
    state.traceparent = traceparent
    ctx.continue_as_new(state.model_dump(exclude_none=True))
    return {}


def _legacy_generation(
    ctx: DaprWorkflowContext, state: SeriesState
) -> Generator[Any, Any, dict[str, Any]]:
    """One round per generation, waiting on a timer and an indefinite event: the shape
    recorded before several rounds ran per generation. Its continue_as_new carries the new
    state, so each such generation ends at its next wake-up; remove this once none can be
    in flight."""
    try:
        out = yield ctx.call_activity(
            ADVANCE_SERIES,
            input=RoundInput(series_id=state.series_id).model_dump(exclude_none=True),
            retry_policy=ROUND_RETRY,
        )
    except TaskFailedError:
        yield ctx.create_timer(ctx.current_utc_datetime + RETRY_AFTER_FAILURE)
        ctx.continue_as_new(state.model_dump(exclude_none=True))
        return {}
    result = RoundResult.model_validate(out)
    if result.finished:
        return {"series_id": state.series_id, "rounds": state.rounds + 1, "end": result.reason}
    waits = [ctx.wait_for_external_event(WAKE_EVENT)]
    if result.wake_at is not None and not result.paused:
        now = ctx.current_utc_datetime
        waits.append(ctx.create_timer(max(_like(result.wake_at, now), now + MIN_WAIT)))
    yield when_any(waits)
    state.rounds += 1
    ctx.continue_as_new(state.model_dump(exclude_none=True))
    return {}
