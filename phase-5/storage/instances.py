"""Materializing the instances of a series: the one write both the API (first instance) and
the engine's activity (every later one) perform. Idempotent on its key: (series_id,
occurrence_at) for a slot of the schedule, or, for an after-completion successor, the
instance it follows (it may be due on a slot already taken: completed early)."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import TaskCreated
from contracts.status import TaskStatus
from recurrence import Mode, Recurrence
from storage.event_payloads import task_payload
from storage.outbox import add_event
from storage.reminders import write_reminders
from storage.tables import RecurringSeries, Task


def recurrence_of(series: RecurringSeries) -> Recurrence:
    return Recurrence(
        rrule=series.recurrence_pattern,
        timezone=series.timezone,
        start=series.recurrence_start_date,
        mode=Mode(series.mode),
        ends_at=series.recurrence_end_date,
        count=series.recurrence_count,
        lead_time=timedelta(seconds=series.lead_time_seconds),
        phrase=series.recurrence_phrase,
    )


async def materialize(
    session: AsyncSession,
    series: RecurringSeries,
    occurrence: datetime,
    now: datetime,
    *,
    source: str,
    follows: uuid.UUID | None = None,
) -> Task | None:
    """Creates the instance for `occurrence` with its reminders and its v1.task.created
    event, all in the caller's transaction. None when it already exists (a retry)."""
    stmt = (
        insert(Task)
        .values(
            task_id=uuid.uuid4(),
            series_id=series.series_id,
            user_id=series.user_id,
            title=series.title,
            description=series.description,
            priority=series.priority,
            due_date=occurrence,
            occurrence_at=occurrence,
            status=TaskStatus.PENDING,
            is_exception=False,
            is_recurring=True,
            follows_task_id=follows,
        )
        # Whichever key the row has (uq_tasks_series_occurrence for a slot,
        # uq_tasks_follows for a successor): an existing one means this write already ran.
        .on_conflict_do_nothing()
        .returning(Task)
    )
    found = await session.execute(select(Task).from_statement(stmt))
    task: Task | None = found.scalar_one_or_none()
    if task is None:
        return None
    reminders = await write_reminders(
        session,
        task.task_id,
        task.user_id,
        task.due_date,
        list(series.reminder_offsets),
        now,
        new_task=True,
    )
    add_event(
        session,
        TaskCreated(user_id=task.user_id, task=task_payload(task), reminders=reminders),
        source=source,
    )
    return task
