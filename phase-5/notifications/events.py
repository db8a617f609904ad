"""The `v1.reminder.due` contract as this service reads it (documented in SUMMARIES/events.md).

CloudEvent {id = reminder_id, type, source, time, datacontenttype, data}; unknown fields are
ignored, a missing or malformed required one makes the event a poison message."""

import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ReminderDue(BaseModel):
    """`data` of a `v1.reminder.due` event. Also stored with each delivery row, so a restarted
    worker renders the same message without the event."""

    model_config = ConfigDict(extra="ignore")

    reminder_id: uuid.UUID
    task_id: uuid.UUID
    user_id: str = Field(min_length=1, max_length=128)
    series_id: uuid.UUID | None = None
    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    due_at: AwareDatetime
    # When the reminder was meant to fire: lateness is measured from here.
    scheduled_time: AwareDatetime
    offset: str = Field(min_length=1, max_length=16)
    # IANA zone used only for display; an unknown zone falls back to UTC (content.py).
    timezone: str = Field(default="UTC", max_length=64)
