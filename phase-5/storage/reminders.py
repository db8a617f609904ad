"""Reminder rows: one per (task, offset before due), each backed by one Dapr job whose name
is deterministic, so writing the same reminder twice never doubles it."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import reminder_job_name
from recurrence.offsets import parse_offset
from storage.trace_context import current_traceparent

_UPSERT = text(
    """
    INSERT INTO reminders (reminder_id, task_id, user_id, scheduled_time, "offset",
                           reminder_type, status, job_name, traceparent)
    VALUES (:rid, :task_id, :user_id, :at, :offset, 'all', 'pending', :job, :tp)
    ON CONFLICT (job_name) DO UPDATE
        SET scheduled_time = EXCLUDED.scheduled_time, status = 'pending', fired_at = NULL,
            traceparent = EXCLUDED.traceparent
        WHERE reminders.status IN ('pending', 'cancelled') AND reminders.sent_at IS NULL
    """
)


async def write_reminders(
    session: AsyncSession,
    task_id: uuid.UUID,
    user_id: str,
    due: datetime | None,
    offsets: list[str],
    now: datetime,
    *,
    new_task: bool = False,
) -> int:
    """(Re)writes the task's reminder rows for its due time; drops offsets no longer wanted
    (a task created in this transaction has none to drop). Reminders whose time has passed
    are not created. Returns how many are pending."""
    wanted: list[str] = []
    if due is not None:
        for offset in offsets:
            at = due - parse_offset(offset)
            if at <= now:
                continue
            job = reminder_job_name(task_id, offset)
            wanted.append(job)
            await session.execute(
                _UPSERT,
                {
                    "rid": uuid.uuid4(),
                    "task_id": task_id,
                    "user_id": user_id,
                    "at": at,
                    "offset": offset,
                    "job": job,
                    # The job fires later, outside any request: its callback continues
                    # the trace of whatever wrote (or rescheduled) the reminder.
                    "tp": current_traceparent(),
                },
            )
    if new_task:
        return len(wanted)
    await session.execute(
        text(
            "UPDATE reminders SET status = 'cancelled' WHERE task_id = :t AND status = 'pending' "
            "AND NOT (job_name = ANY(:keep))"
        ),
        {"t": task_id, "keep": wanted},
    )
    return len(wanted)


async def cancel_reminders(session: AsyncSession, task_ids: list[uuid.UUID]) -> list[str]:
    """Marks pending reminders cancelled; returns their job names, for deleting the jobs."""
    if not task_ids:
        return []
    rows = await session.execute(
        text(
            "UPDATE reminders SET status = 'cancelled' WHERE task_id = ANY(:ids) "
            "AND status = 'pending' RETURNING job_name"
        ),
        {"ids": task_ids},
    )
    return [r[0] for r in rows]


@dataclass(frozen=True)
class OpenReminder:
    """A reminder not yet fired nor sent: its job is scheduled (pending) or deleted."""

    job_name: str
    scheduled_time: datetime
    status: str
    offset: str


async def open_reminders(session: AsyncSession, task_id: str) -> list[OpenReminder]:
    rows = await session.execute(
        text(
            'SELECT r.job_name, r.scheduled_time, r.status, r."offset" '
            "FROM reminders r JOIN tasks t ON t.task_id = r.task_id "
            "WHERE r.task_id = :t AND r.sent_at IS NULL AND r.fired_at IS NULL"
        ),
        {"t": task_id},
    )
    return [OpenReminder(r.job_name, r.scheduled_time, r.status, r.offset) for r in rows]


_DUE_LOOKUP = text(
    """
    SELECT r.reminder_id, r.task_id, r.user_id, r.scheduled_time, r.status, r."offset",
           t.title, t.description, t.due_date, t.status AS task_status, t.series_id,
           COALESCE(s.timezone, 'UTC') AS timezone, r.traceparent
    FROM reminders r JOIN tasks t ON t.task_id = r.task_id
    LEFT JOIN recurring_series s ON s.series_id = t.series_id
    WHERE r.job_name = :job FOR UPDATE OF r
    """
)


@dataclass(frozen=True)
class JobReminder:
    """A reminder behind a job, with what its v1.reminder.due event says about the task."""

    reminder_id: uuid.UUID
    task_id: uuid.UUID
    user_id: str
    scheduled_time: datetime
    status: str
    offset: str
    title: str
    description: str | None
    due_date: datetime | None
    task_status: str
    series_id: uuid.UUID | None
    timezone: str
    traceparent: str | None = None


async def lock_reminder_of_job(session: AsyncSession, job_name: str) -> JobReminder | None:
    """The reminder behind a job with its task and the series' zone (UTC for a one-off
    task), locked until the caller's transaction ends: a job fired twice at once is
    handled once."""
    row = (await session.execute(_DUE_LOOKUP, {"job": job_name})).first()
    return None if row is None else JobReminder(**row._asdict())


async def cancel_reminder(session: AsyncSession, reminder_id: uuid.UUID) -> None:
    await session.execute(
        text(
            "UPDATE reminders SET status = 'cancelled' "
            "WHERE reminder_id = :r AND status = 'pending'"
        ),
        {"r": reminder_id},
    )


async def mark_fired(session: AsyncSession, reminder_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        text("UPDATE reminders SET fired_at = :now WHERE reminder_id = :r"),
        {"now": now, "r": reminder_id},
    )


async def overdue_unfired_jobs(
    session: AsyncSession, before: datetime, limit: int = 500
) -> list[str]:
    """Job names of pending reminders of pending tasks that should have fired before
    `before` and did not: their Dapr job was lost (it exhausted its retries while the engine
    was down, or a crash came between the reminder row and its job). Partial index
    ix_reminders_unfired keeps this cheap when nothing is overdue."""
    rows = await session.execute(
        text(
            "SELECT r.job_name FROM reminders r JOIN tasks t ON t.task_id = r.task_id "
            "WHERE r.status = 'pending' AND r.fired_at IS NULL AND r.sent_at IS NULL "
            "AND t.status = 'pending' AND r.scheduled_time < :before "
            "ORDER BY r.scheduled_time LIMIT :n"
        ),
        {"before": before, "n": limit},
    )
    return [r.job_name for r in rows]
