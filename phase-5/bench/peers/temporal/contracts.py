"""The peer's workflow and activity inputs: one dataclass each, so fields can be added
compatibly (temporalio/samples-python habit)."""

from dataclasses import dataclass, field

TASK_QUEUE = "series"
COMPLETE_SIGNAL = "complete"


@dataclass
class SeriesState:
    """Everything a generation carries into the next through continue_as_new."""

    series_id: str
    user_id: str
    start_epoch: float  # first occurrence, epoch seconds UTC
    interval_seconds: int  # the peer's rule: every interval from start
    lead_seconds: int  # an occurrence materializes this long before it is due
    cursor: int = 0  # index of the next occurrence to materialize
    completed: list[int] = field(default_factory=list)  # completions not yet acted on
    rounds_per_generation: int = 8


@dataclass
class RoundInput:
    series_id: str
    user_id: str
    occurrence: int
    occurrence_epoch: float
