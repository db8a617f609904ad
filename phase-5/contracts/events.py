"""Topic names, event types and job names: the event contract in one place
(documented in SUMMARIES/events.md)."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
    REMINDER_CANCELLED = "v1.reminder.cancelled"


# Which topic carries which event type: updates go to task-modifications, the rest of the
# task life cycle to task-operations, reminders to alerts.
TOPIC_OF = {
    EventType.TASK_CREATED: Topic.TASK_OPERATIONS,
    EventType.TASK_COMPLETED: Topic.TASK_OPERATIONS,
    EventType.TASK_DELETED: Topic.TASK_OPERATIONS,
    EventType.SERIES_CREATED: Topic.TASK_OPERATIONS,
    EventType.SERIES_DELETED: Topic.TASK_OPERATIONS,
    EventType.TASK_UPDATED: Topic.TASK_MODIFICATIONS,
    EventType.SERIES_UPDATED: Topic.TASK_MODIFICATIONS,
    EventType.REMINDER_DUE: Topic.ALERTS,
    EventType.REMINDER_CANCELLED: Topic.ALERTS,
}

def reminder_job_name(task_id: uuid.UUID | str, offset: str) -> str:
    """Deterministic, so scheduling the same reminder twice overwrites instead of doubling."""
    return f"reminder-{task_id}-{offset}"


def cloud_event(
    event_type: EventType,
    data: dict[str, Any],
    *,
    source: str,
    event_id: uuid.UUID | str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(event_id or uuid.uuid4()),
        "type": str(event_type),
        "source": source,
        "time": (time or datetime.now(UTC)).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


# notification-service parks a channel delivery that exhausted its retries in alerts-dlq as
# this event: CloudEvent id "<reminder_id>.<channel>", partition key user_id (events.md).
REMINDER_DELIVERY_FAILED = "v1.reminder.delivery_failed"


class IncomingEvent(BaseModel):
    """A CloudEvent as Dapr delivers it to a subscriber. Unknown fields are ignored (the
    contract only ever adds optional fields); a missing required one is a poison message."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    source: str = ""
    data: dict[str, Any]

    @property
    def user_id(self) -> str | None:
        value = self.data.get("user_id")
        return value if isinstance(value, str) else None


class PoisonMessage(ValueError):
    """The event can never be processed; Dapr retries it, then parks it in the DLQ."""
