"""What the series workflow and its activity exchange, and the names they are registered
under: the workflow calls its activity by name, so it imports no activity code (and with
it no database code). Pydantic models, so fields can be added compatibly."""

from datetime import datetime

from pydantic import BaseModel, Field

SERIES_WORKFLOW = "series_workflow"
ADVANCE_SERIES = "advance_series"

# One event name for every wake-up (instance completed, series edited, occurrence skipped,
# paused, resumed, deleted; the reason rides in the data).
WAKE_EVENT = "wake"

# Every continue_as_new costs the runtime an extra orchestration step and scheduler job,
# so a generation runs several rounds; its history (about six events a round) stays
# small. Carried in the state, so changing the default never changes a running
# generation's replay.
ROUNDS_PER_GENERATION = 8


def instance_id(series_id: str) -> str:
    return f"series-{series_id}"


class SeriesState(BaseModel):
    """Everything the workflow carries across continue_as_new: small by design."""

    series_id: str
    rounds: int = 0
    rounds_per_generation: int = Field(default=ROUNDS_PER_GENERATION, ge=1, le=64)
    # The trace of what caused the next round (the start, or the wake-up that ended the
    # last generation); a round after a lead-time timer starts a trace of its own.
    traceparent: str | None = None


class RoundInput(BaseModel):
    series_id: str
    traceparent: str | None = None


def traceparent_of(event_data: object) -> str | None:
    """The trace context a wake-up event carries, if any (older raisers send none)."""
    if isinstance(event_data, dict):
        value = event_data.get("traceparent")
        return value if isinstance(value, str) else None
    return None


class RoundStatus(BaseModel):
    """The workflow's custom status after each round (`dapr workflow list` shows it): how
    many rounds it has run, whether the series is paused and when it wakes up next."""

    rounds: int
    paused: bool
    wake_at: datetime | None = None


class RoundResult(BaseModel):
    finished: bool = False
    paused: bool = False
    wake_at: datetime | None = None
    next_occurrence: datetime | None = None
    created: list[str] = []
    reason: str = ""
