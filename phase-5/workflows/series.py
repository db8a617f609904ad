"""The series workflow: one long-lived instance per series, id `series-<series_id>`.

Each round: an activity reads the truth and creates what is due; then the workflow waits
for the first of the lead-time timer or a wake-up event, and starts the next round with
continue_as_new, so its history stays short forever. Events only wake it: one raised
during continue_as_new can be lost (dapr/dapr#8277), and the next round's read of the
database makes that harmless. Deterministic: no I/O, no clock but the context's."""

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

from dapr.ext.workflow import DaprWorkflowContext, RetryPolicy, TaskFailedError, when_any
from pydantic import BaseModel

from activities.series_round import RoundResult, advance_series

# One event name for every wake-up (instance completed, series edited, occurrence skipped,
# paused, resumed, deleted; the reason rides in the data): each pending external-event wait
# costs the runtime a durable timer per round, and the round reads the truth anyway.
WAKE_EVENT = "wake"
MIN_WAIT = timedelta(seconds=1)
RETRY_AFTER_FAILURE = timedelta(seconds=30)
ROUND_RETRY = RetryPolicy(
    first_retry_interval=timedelta(seconds=1),
    max_number_of_attempts=5,
    backoff_coefficient=2.0,
    max_retry_interval=timedelta(seconds=15),
)


class SeriesState(BaseModel):
    """Everything the workflow carries across continue_as_new: small by design."""

    series_id: str
    rounds: int = 0


def _like(moment: datetime, reference: datetime) -> datetime:
    """The context's clock is naive UTC; activity results carry aware UTC."""
    if reference.tzinfo is None and moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def instance_id(series_id: str) -> str:
    return f"series-{series_id}"


def series_workflow(
    ctx: DaprWorkflowContext, raw: dict[str, Any]
) -> Generator[Any, Any, dict[str, Any]]:
    state = SeriesState.model_validate(raw)
    try:
        out = yield ctx.call_activity(
            advance_series, input={"series_id": state.series_id}, retry_policy=ROUND_RETRY
        )
    except TaskFailedError:
        # The database or sidecar is down for longer than the retries: try again later
        # rather than failing the series for good.
        yield ctx.create_timer(ctx.current_utc_datetime + RETRY_AFTER_FAILURE)
        ctx.continue_as_new(state.model_dump())
        return {}
    result = RoundResult.model_validate(out)
    if result.finished:
        return {"series_id": state.series_id, "rounds": state.rounds + 1, "end": result.reason}
    waits = [ctx.wait_for_external_event(WAKE_EVENT)]
    if result.wake_at is not None and not result.paused:
        now = ctx.current_utc_datetime
        fire_at = max(_like(result.wake_at, now), now + MIN_WAIT)
        waits.append(ctx.create_timer(fire_at))
    yield when_any(waits)
    state.rounds += 1
    ctx.continue_as_new(state.model_dump())
    return {}
