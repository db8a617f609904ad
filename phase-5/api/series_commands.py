"""What the API does to series: create (with the first instance), describe, split, end,
regenerate. Every function works inside the caller's transaction and writes its events
to the outbox; the engine reacts to those events."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Invalid, NotFound
from api.schemas import RecurrenceIn, SeriesPublic, TaskCreate
from contracts.events import SeriesCreated, SeriesDeleted, SeriesUpdated, TaskDeleted
from recurrence import Recurrence, RecurrenceError, parse_recurrence, split
from storage.event_payloads import series_payload, task_payload
from storage.instances import materialize, recurrence_of
from storage.outbox import add_event
from storage.reminders import cancel_reminders
from storage.tables import RecurringSeries, Task

SOURCE = "todo-api"


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_or_422(spec: RecurrenceIn, now: datetime, start: datetime | None = None) -> Recurrence:
    try:
        return parse_recurrence(
            spec.rule,
            timezone=spec.timezone,
            now=now,
            start=spec.start or start,
            mode=spec.mode,
            ends_at=spec.ends_at,
            count=spec.count,
            lead_time=timedelta(minutes=spec.lead_time_minutes),
        )
    except RecurrenceError as exc:
        raise Invalid(f"recurrence.{exc.field}", exc.message) from exc


def apply_recurrence(series: RecurringSeries, rec: Recurrence) -> None:
    series.recurrence_pattern = rec.rrule
    series.recurrence_phrase = rec.phrase
    series.mode = rec.mode.value
    series.timezone = rec.timezone
    series.recurrence_start_date = rec.start
    series.recurrence_end_date = rec.ends_at
    series.recurrence_count = rec.count
    series.lead_time_seconds = int(rec.lead_time.total_seconds())


def first_occurrence(rec: Recurrence, now: datetime) -> datetime:
    # An occurrence in the minute just begun still counts: "daily" created at 10:05 is due
    # today at 10:05, not tomorrow.
    first = rec.next_after(now - timedelta(minutes=1))
    if first is None:
        raise Invalid("recurrence.rule", "This rule has no upcoming occurrence")
    return first


async def create_series(
    session: AsyncSession, user_id: str, body: TaskCreate, now: datetime
) -> tuple[RecurringSeries, Task]:
    assert body.recurrence is not None
    rec = parse_or_422(body.recurrence, now, start=body.due_at)
    series = RecurringSeries(
        user_id=user_id,
        title=body.title,
        description=body.description,
        priority=body.priority.value,
        recurrence_pattern=rec.rrule,
        timezone=rec.timezone,
        recurrence_start_date=rec.start,
        reminder_offsets=body.reminders,
    )
    apply_recurrence(series, rec)
    first = first_occurrence(rec, now)
    series.upcoming_occurrence = rec.next_after(first)
    session.add(series)
    await session.flush()
    task = await materialize(session, series, first, now, source=SOURCE)
    assert task is not None, "a new series cannot already have instances"
    event = SeriesCreated(
        user_id=user_id, series=series_payload(series), first_task_id=task.task_id
    )
    add_event(session, event)
    return series, task


def describe(series: RecurringSeries, now: datetime, n: int = 5) -> SeriesPublic:
    rec = recurrence_of(series)
    after = max(now, series.skip_until or now)
    upcoming = [] if series.status in ("deleted", "completed") else rec.preview(n, after=after)
    return SeriesPublic(
        series_id=series.series_id,
        title=series.title,
        description=series.description,
        priority=series.priority,
        status=series.status,
        rrule=rec.rrule,
        phrase=series.recurrence_phrase,
        rule_description=rec.description,
        mode=series.mode,
        timezone=series.timezone,
        start=series.recurrence_start_date,
        ends_at=series.recurrence_end_date,
        count=series.recurrence_count,
        lead_time_minutes=series.lead_time_seconds // 60,
        reminders=list(series.reminder_offsets),
        upcoming_occurrence=series.upcoming_occurrence,
        next_occurrences=upcoming,
    )


async def get_series(session: AsyncSession, user_id: str, series_id: uuid.UUID) -> RecurringSeries:
    series = (
        await session.exec(
            select(RecurringSeries)
            .where(RecurringSeries.series_id == series_id, RecurringSeries.user_id == user_id)
            .with_for_update()
        )
    ).first()
    if series is None:
        raise NotFound("Series not found.")
    return series


async def retire_tasks(session: AsyncSession, tasks: list[Task], *, hard: bool) -> None:
    """Removes pending instances: a tombstone (status deleted) keeps the slot taken; a hard
    delete frees it for a regenerated schedule. Either way: reminders cancelled, one
    v1.task.deleted event each, carrying the job names to delete."""
    for task in tasks:
        jobs = await cancel_reminders(session, [task.task_id])
        if hard:
            await session.execute(
                text("DELETE FROM reminders WHERE task_id = :t"), {"t": task.task_id}
            )
            await session.delete(task)
        else:
            task.status = "deleted"
            task.updated_at = now_utc()
            session.add(task)
        event = TaskDeleted(user_id=task.user_id, task=task_payload(task), cancelled_jobs=jobs)
        add_event(session, event)
    await session.flush()


async def pending_from(
    session: AsyncSession, series_id: uuid.UUID, since: datetime | None
) -> list[Task]:
    query = select(Task).where(Task.series_id == series_id, Task.status == "pending")
    if since is not None:
        query = query.where(col(Task.occurrence_at) >= since)
    return list((await session.exec(query.order_by(col(Task.occurrence_at)))).all())


async def end_series_before(
    session: AsyncSession, series: RecurringSeries, occurrence: datetime
) -> None:
    """The series' last occurrence becomes the one before `occurrence` (split / delete
    following): a count becomes the equivalent end date."""
    series.recurrence_end_date = split.end_before(occurrence)
    series.recurrence_count = None
    series.updated_at = now_utc()
    session.add(series)
    # The new end rides in the series payload; `changes` is a list on every event.
    event = SeriesUpdated(
        user_id=series.user_id, series=series_payload(series), changes=["ends_at"]
    )
    add_event(session, event)


async def delete_series(session: AsyncSession, series: RecurringSeries) -> None:
    """Pending instances removed (tombstones), completed kept; the engine deletes the jobs
    and stops the workflow when it sees v1.series.deleted."""
    await retire_tasks(session, await pending_from(session, series.series_id, None), hard=False)
    series.status = "deleted"
    series.upcoming_occurrence = None
    series.updated_at = now_utc()
    session.add(series)
    add_event(session, SeriesDeleted(user_id=series.user_id, series=series_payload(series)))
