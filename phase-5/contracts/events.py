"""The event contract in one place: topics, event types, the `data` of every event type as
a typed model, the CloudEvent envelope (one builder for every producer, one parser for
every consumer) and reminder job names. SUMMARIES/events.md documents it, and a unit test
holds that document to these models.

Compatibility: new fields are optional, consumers ignore fields they do not know
(`extra="ignore"`), fields are never renamed. Times go on the wire as `isoformat()` text,
exactly as the producers wrote them before these models existed."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer


class Topic(StrEnum):
    TASK_OPERATIONS = "task-operations"
    TASK_MODIFICATIONS = "task-modifications"
    ALERTS = "alerts"
    TASK_EVENTS_DLQ = "task-events-dlq"
    UPDATES_DLQ = "updates-dlq"
    ALERTS_DLQ = "alerts-dlq"


DEAD_LETTER = {
    Topic.TASK_OPERATIONS: Topic.TASK_EVENTS_DLQ,
    Topic.TASK_MODIFICATIONS: Topic.UPDATES_DLQ,
    Topic.ALERTS: Topic.ALERTS_DLQ,
}


class EventType(StrEnum):
    TASK_CREATED = "v1.task.created"
    TASK_COMPLETED = "v1.task.completed"
    TASK_UPDATED = "v1.task.updated"
    TASK_DELETED = "v1.task.deleted"
    SERIES_CREATED = "v1.series.created"
    SERIES_UPDATED = "v1.series.updated"
    SERIES_DELETED = "v1.series.deleted"
    REMINDER_DUE = "v1.reminder.due"
    # notification-service parks a channel delivery that exhausted its retries in alerts-dlq
    # as this event: id "<reminder_id>.<channel>", partition key user_id.
    REMINDER_DELIVERY_FAILED = "v1.reminder.delivery_failed"


# Updates go to task-modifications, the rest of the task life cycle to task-operations,
# reminders to alerts.
TOPIC_OF = {
    EventType.TASK_CREATED: Topic.TASK_OPERATIONS,
    EventType.TASK_COMPLETED: Topic.TASK_OPERATIONS,
    EventType.TASK_DELETED: Topic.TASK_OPERATIONS,
    EventType.SERIES_CREATED: Topic.TASK_OPERATIONS,
    EventType.SERIES_DELETED: Topic.TASK_OPERATIONS,
    EventType.TASK_UPDATED: Topic.TASK_MODIFICATIONS,
    EventType.SERIES_UPDATED: Topic.TASK_MODIFICATIONS,
    EventType.REMINDER_DUE: Topic.ALERTS,
    EventType.REMINDER_DELIVERY_FAILED: Topic.ALERTS_DLQ,
}


def reminder_job_name(task_id: uuid.UUID | str, offset: str) -> str:
    """Deterministic, so scheduling the same reminder twice overwrites instead of doubling."""
    return f"reminder-{task_id}-{offset}"


def _iso(value: datetime) -> str:
    return value.isoformat()


# A datetime read from any ISO 8601 text, written back with isoformat() ("+00:00", not "Z").
IsoTime = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]
AwareIsoTime = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str, when_used="json")]
UserId = Annotated[str, Field(min_length=1, max_length=128)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TaskData(_Model):
    """A task as events carry it."""

    task_id: uuid.UUID
    series_id: uuid.UUID | None = None
    title: str
    description: str | None = None
    priority: str
    due_date: IsoTime | None = None
    occurrence_at: IsoTime | None = None
    status: str
    is_exception: bool = False
    is_recurring: bool = False
    completed_at: IsoTime | None = None


class SeriesData(_Model):
    """A series as events carry it."""

    series_id: uuid.UUID
    title: str
    status: str
    rrule: str
    timezone: str
    mode: str
    # The series' end, once a split or "delete this and following" ended it early.
    ends_at: IsoTime | None = None


class EventData(_Model):
    """`data` of one event type. Every event carries its user: the partition key."""

    TYPE: ClassVar[EventType]
    user_id: UserId


class TaskCreated(EventData):
    TYPE = EventType.TASK_CREATED
    task: TaskData
    reminders: int = Field(ge=0, description="pending reminders written with the task")


class TaskUpdated(EventData):
    TYPE = EventType.TASK_UPDATED
    task: TaskData
    changes: list[str] = Field(description="names of the fields changed")


class TaskCompleted(EventData):
    TYPE = EventType.TASK_COMPLETED
    task: TaskData
    cancelled_jobs: list[str] = Field(default_factory=list)


class TaskDeleted(EventData):
    TYPE = EventType.TASK_DELETED
    task: TaskData
    cancelled_jobs: list[str] = Field(default_factory=list)


class SeriesCreated(EventData):
    TYPE = EventType.SERIES_CREATED
    series: SeriesData
    first_task_id: uuid.UUID
    split_from: uuid.UUID | None = None


class SeriesUpdated(EventData):
    TYPE = EventType.SERIES_UPDATED
    series: SeriesData
    changes: list[str] = Field(
        description="paused, resumed, skipped, completed, ends_at or the names of edited fields"
    )
    regenerated: bool | None = None


class SeriesDeleted(EventData):
    TYPE = EventType.SERIES_DELETED
    series: SeriesData


class ReminderDue(EventData):
    """Also stored with each delivery row, so a restarted notification worker renders the
    same message without the event."""

    TYPE = EventType.REMINDER_DUE
    reminder_id: uuid.UUID
    task_id: uuid.UUID
    series_id: uuid.UUID | None = None
    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    due_at: AwareIsoTime
    # When the reminder was meant to fire: lateness is measured from here.
    scheduled_time: AwareIsoTime
    offset: str = Field(min_length=1, max_length=16)
    # IANA zone used only for display; an unknown zone falls back to UTC.
    timezone: str = Field(default="UTC", max_length=64)


class ReminderDeliveryFailed(EventData):
    TYPE = EventType.REMINDER_DELIVERY_FAILED
    reminder_id: uuid.UUID
    task_id: uuid.UUID
    channel: str
    attempts: int = Field(ge=1)
    error: str
    scheduled_time: AwareIsoTime
    # The v1.reminder.due data the delivery was made from.
    reminder: dict[str, Any]


MODELS: dict[EventType, type[EventData]] = {
    model.TYPE: model
    for model in (
        TaskCreated,
        TaskUpdated,
        TaskCompleted,
        TaskDeleted,
        SeriesCreated,
        SeriesUpdated,
        SeriesDeleted,
        ReminderDue,
        ReminderDeliveryFailed,
    )
}


def cloud_event(
    data: EventData,
    *,
    source: str,
    event_id: uuid.UUID | str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
) -> dict[str, Any]:
    """The one CloudEvents 1.0 envelope every producer sends (structured JSON mode).

    `traceparent` is the W3C trace context of the action that caused the event (the
    CloudEvents distributed-tracing extension). Dapr keeps an envelope's own `traceid`/
    `traceparent` when it publishes, and the subscriber's sidecar continues that trace,
    so an event published later by the outbox relay stays in its request's trace."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(event_id or uuid.uuid4()),
        "type": str(data.TYPE),
        "source": source,
        "time": (time or datetime.now(UTC)).isoformat(),
        "datacontenttype": "application/json",
        "data": data.model_dump(mode="json"),
    }
    if traceparent:
        event["traceparent"] = traceparent
        event["traceid"] = traceparent  # the field Dapr's envelope reads first
    return event


class IncomingEvent(BaseModel):
    """A CloudEvent as Dapr delivers it to a subscriber. Unknown fields are ignored; a
    missing required one is a poison message."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    source: str = ""
    data: dict[str, Any]

    @property
    def user_id(self) -> str | None:
        value = self.data.get("user_id")
        return value if isinstance(value, str) else None

    def payload(self) -> EventData | None:
        """`data` as its type's model; None for a type this contract does not know (a
        newer producer). Raises PoisonMessage when the data breaks its type's model."""
        model = MODELS.get(EventType(self.type)) if self.type in _KNOWN else None
        if model is None:
            return None
        try:
            return model.model_validate(self.data)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise PoisonMessage(f"{self.type} data does not match its contract: {exc}") from exc


_KNOWN = {str(t) for t in EventType}


class PoisonMessage(ValueError):
    """The event can never be processed; Dapr retries it, then parks it in the DLQ."""
