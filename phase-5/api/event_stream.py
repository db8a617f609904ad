"""What the user's live stream says (`GET /api/v1/me/events`), as pure functions: the
`data` of each message built from a CloudEvent, the control messages, and the parsing of
the client's resume point. No I/O here (unit-tested in tests/unit/test_event_stream.py).

A message is `id: <seq>` (the user's own dense sequence, opaque to clients),
`event: <CloudEvent type>`, `data: <StreamEvent JSON>`. Control messages use the
`stream.` prefix so they can never collide with a domain event type."""

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.errors import Invalid
from api.schemas import UtcDateTime
from contracts.events import (
    EventData,
    EventType,
    IncomingEvent,
    SeriesCreated,
    SeriesData,
    SeriesDeleted,
    SeriesUpdated,
    TaskCompleted,
    TaskCreated,
    TaskData,
    TaskDeleted,
    TaskUpdated,
)

# The life-cycle events a user sees; reminders and delivery failures are not streamed.
STREAMED_TYPES = frozenset(
    {
        EventType.TASK_CREATED,
        EventType.TASK_UPDATED,
        EventType.TASK_COMPLETED,
        EventType.TASK_DELETED,
        EventType.SERIES_CREATED,
        EventType.SERIES_UPDATED,
        EventType.SERIES_DELETED,
    }
)
READY = "stream.ready"
RESET = "stream.reset"
# Largest id a client may send back: seq is a PostgreSQL bigint.
MAX_EVENT_ID = 2**63 - 1


class StreamTask(BaseModel):
    """The task as the event carried it, in the API's field names (a subset of TaskPublic:
    GET /api/v1/tasks/{task_id} adds reminders, rule and timestamps)."""

    task_id: uuid.UUID
    series_id: uuid.UUID | None
    title: str
    description: str | None
    priority: str
    due_at: UtcDateTime | None
    occurrence_at: UtcDateTime | None
    status: str
    is_exception: bool
    is_recurring: bool
    completed_at: UtcDateTime | None


class StreamSeries(BaseModel):
    """The series as the event carried it (a subset of SeriesPublic)."""

    series_id: uuid.UUID
    title: str
    status: str
    rrule: str
    timezone: str
    mode: str
    ends_at: UtcDateTime | None


class StreamEvent(BaseModel):
    """`data` of a domain message on the stream."""

    type: str = Field(description="the CloudEvent type, also the SSE `event` name")
    id: str = Field(description="the CloudEvent id (stable across redeliveries)")
    occurred_at: UtcDateTime
    task_id: uuid.UUID | None = None
    series_id: uuid.UUID | None = None
    task: StreamTask | None = None
    series: StreamSeries | None = None
    changes: list[str] | None = Field(
        default=None, description="v1.task.updated / v1.series.updated: what changed"
    )


class StreamReady(BaseModel):
    """`stream.ready`: replay done (if any), live from here. Its SSE id is the cursor."""

    last_event_id: str
    replayed: int = Field(description="events replayed after Last-Event-ID")


class StreamReset(BaseModel):
    """`stream.reset`: the id sent cannot be resumed from; refetch what you show
    (GET /api/v1/tasks, /series), then keep reading: the stream continues live."""

    reason: Literal["expired", "unknown"]
    message: str
    last_event_id: str


def _task(data: TaskData) -> StreamTask:
    # The event's task under the API's field names: due_date on the wire is due_at here.
    return StreamTask.model_validate({**data.model_dump(), "due_at": data.due_date})


def _series(data: SeriesData) -> StreamSeries:
    return StreamSeries.model_validate(data.model_dump())


def occurred_at(raw_time: Any, fallback: datetime) -> datetime:
    """The CloudEvent's `time` (aware, UTC); the fallback when absent or unreadable."""
    if isinstance(raw_time, str):
        try:
            parsed = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    return fallback


def stream_event(event: IncomingEvent, payload: EventData, when: datetime) -> StreamEvent | None:
    """The stream's view of one event; None for events the stream does not carry."""
    if event.type not in STREAMED_TYPES:
        return None
    out = StreamEvent(type=event.type, id=event.id, occurred_at=when)
    if isinstance(payload, TaskCreated | TaskUpdated | TaskCompleted | TaskDeleted):
        out.task = _task(payload.task)
        out.task_id = payload.task.task_id
        out.series_id = payload.task.series_id
    if isinstance(payload, SeriesCreated | SeriesUpdated | SeriesDeleted):
        out.series = _series(payload.series)
        out.series_id = payload.series.series_id
    if isinstance(payload, SeriesCreated):
        out.task_id = payload.first_task_id
    if isinstance(payload, TaskUpdated | SeriesUpdated):
        out.changes = list(payload.changes)
    return out


def resume_point(header: str | None, query: str | None) -> int | None:
    """The seq to resume after: `Last-Event-ID` or `?last_event_id=` (None: live only).
    Anything but a non-negative integer is a 422, never a silent restart."""
    if header is not None and query is not None and header.strip() != query.strip():
        raise Invalid(
            "last_event_id", "Last-Event-ID header and last_event_id query parameter differ"
        )
    raw = header if header is not None else query
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip()
    if not value.isdigit() or len(value) > 19 or int(value) > MAX_EVENT_ID:
        raise Invalid(
            "last_event_id", "Last-Event-ID must be an id this stream sent (a whole number)"
        )
    return int(value)


def reset_for(after: int, head: int, first_retained: int | None) -> StreamReset | None:
    """Why resuming after `after` is impossible, or None if every later event is retained.
    `head` is the user's last seq; `first_retained` the first seq still stored after it."""
    if after > head:
        return StreamReset(
            reason="unknown",
            message="This event id was never sent to this user; refetch your tasks.",
            last_event_id=str(head),
        )
    if after < head and first_retained != after + 1:
        return StreamReset(
            reason="expired",
            message="Events after this id are no longer kept; refetch your tasks.",
            last_event_id=str(head),
        )
    return None
