"""Tables owned by the platform (Alembic migrations in `migrations/` create them).

Every query is scoped by `user_id`; indexes follow the queries we run. Dapr's workflow
state lives in its own tables (`dapr_workflow_state`), never mixed with these."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from contracts.status import ReminderStatus, SeriesStatus, TaskStatus


def timestamp_field(nullable: bool = True, default_now: bool = False) -> Any:
    """A timestamptz column, optionally defaulting to now() in the database."""
    return Field(
        default=None,
        sa_column=Column(
            DateTime(timezone=True),
            nullable=nullable,
            server_default=func.now() if default_now else None,
        ),
    )


class RecurringSeries(SQLModel, table=True):
    __tablename__ = "recurring_series"
    __table_args__ = (Index("ix_series_user_status", "user_id", "status"),)

    series_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: str = Field(max_length=128)
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text))
    priority: str = Field(default="medium", max_length=16)
    recurrence_pattern: str = Field(max_length=1000)
    recurrence_phrase: str | None = Field(default=None, max_length=500)
    mode: str = Field(default="fixed", max_length=32)
    timezone: str = Field(max_length=64)
    recurrence_start_date: datetime = Field(
        sa_column=Column(DateTime(timezone=False), nullable=False)
    )
    recurrence_end_date: datetime | None = timestamp_field()
    recurrence_count: int | None = None
    lead_time_seconds: int = 900
    reminder_offsets: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    )
    status: str = Field(default=SeriesStatus.ACTIVE, max_length=16)
    upcoming_occurrence: datetime | None = timestamp_field()
    # Occurrences at or before this instant are never materialized: set on resume (no
    # flood of the ones missed while paused) and when a pattern edit regenerates.
    skip_until: datetime | None = timestamp_field()
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    updated_at: datetime | None = timestamp_field(nullable=False, default_now=True)


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        # One instance per slot of a fixed schedule; an after-completion instance is
        # keyed by the instance it follows instead (migration 0005 says why).
        Index(
            "uq_tasks_series_occurrence",
            "series_id",
            "occurrence_at",
            unique=True,
            postgresql_where=text("follows_task_id IS NULL"),
        ),
        Index("uq_tasks_follows", "follows_task_id", unique=True),
        Index("ix_tasks_user_status_due", "user_id", "status", "due_date", "task_id"),
        Index("ix_tasks_user_created", "user_id", "created_at", "task_id"),
        Index("ix_tasks_series_status", "series_id", "status"),
    )

    task_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    series_id: uuid.UUID | None = Field(default=None, foreign_key="recurring_series.series_id")
    user_id: str = Field(max_length=128)
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text))
    priority: str = Field(default="medium", max_length=16)
    due_date: datetime | None = timestamp_field()
    occurrence_at: datetime | None = timestamp_field()
    # After-completion series: the instance whose completion (or removal) brought this one.
    follows_task_id: uuid.UUID | None = None
    status: str = Field(default=TaskStatus.PENDING, max_length=16)
    is_exception: bool = False
    is_recurring: bool = False
    completed_at: datetime | None = timestamp_field()
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    updated_at: datetime | None = timestamp_field(nullable=False, default_now=True)


class Reminder(SQLModel, table=True):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("job_name", name="uq_reminders_job_name"),
        Index("ix_reminders_task", "task_id", "status"),
    )

    reminder_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.task_id")
    user_id: str = Field(max_length=128)
    scheduled_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    offset: str = Field(max_length=16)
    reminder_type: str = Field(default="email", max_length=16)
    status: str = Field(default=ReminderStatus.PENDING, max_length=16)
    job_name: str = Field(max_length=200)
    fired_at: datetime | None = timestamp_field()
    sent_at: datetime | None = timestamp_field()
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    # The W3C trace context of the span that wrote the row (storage/trace_context.py).
    traceparent: str | None = Field(default=None, max_length=64)


class OutboxRow(SQLModel, table=True):
    """An event committed with the change it describes; the relay publishes and marks it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The relay reads unsent rows oldest first; a partial index keeps that cheap forever.
        Index("ix_outbox_unsent", "created_at", "seq", postgresql_where=text("sent_at IS NULL")),
    )

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    topic: str = Field(max_length=100)
    event_type: str = Field(max_length=100)
    partition_key: str = Field(max_length=128)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    # Insert order: breaks created_at ties between the events of one transaction.
    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), nullable=False)
    )
    sent_at: datetime | None = timestamp_field()
    # The W3C trace context of the span that wrote the row (storage/trace_context.py).
    traceparent: str | None = Field(default=None, max_length=64)


class ProcessedEvent(SQLModel, table=True):
    """Written by a consumer once its effect is done (storage/processed.py says why after,
    not with it): a redelivery finds the key and is skipped."""

    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True, max_length=200)
    consumer: str = Field(primary_key=True, max_length=100)
    event_type: str | None = Field(default=None, max_length=100)
    processed_at: datetime | None = timestamp_field(nullable=False, default_now=True)


class IdempotencyKey(SQLModel, table=True):
    """First response to a POST with an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotency_keys"

    user_id: str = Field(primary_key=True, max_length=128)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)


__all__ = [
    "IdempotencyKey",
    "OutboxRow",
    "ProcessedEvent",
    "RecurringSeries",
    "Reminder",
    "Task",
]
