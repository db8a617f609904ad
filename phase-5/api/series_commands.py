"""What the API does to series: create (with the first instance), describe, split, end,
regenerate. Every function works inside the caller's transaction and writes its events
to the outbox; the engine reacts to those events."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Invalid, NotFound
from api.schemas import RecurrenceIn, SeriesPublic, TaskCreate
from contracts.events import (
    SeriesCreated,
    SeriesDeleted,
    SeriesUpdated,
    TaskDeleted,
    TaskUpdated,
)
from contracts.status import SeriesStatus, TaskStatus
from recurrence import (
    DEFAULT_LEAD_TIME,
    Mode,
    Recurrence,
    RecurrenceError,
    parse_recurrence,
    split,
)
from storage.event_payloads import series_payload, task_payload
from storage.instances import materialize, recurrence_of
from storage.outbox import add_event
from storage.reminders import cancel_reminders, write_reminders
from storage.tables import RecurringSeries, Task

SOURCE = "todo-api"


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_or_422(
    spec: RecurrenceIn,
    now: datetime,
    start: datetime | None = None,
    keep: RecurringSeries | None = None,
) -> Recurrence:
    """A rule change without `lead_time_minutes` keeps the series' (`keep`) lead time."""
    if spec.lead_time_minutes is not None:
        lead_time = timedelta(minutes=spec.lead_time_minutes)
    elif keep is not None:
        lead_time = timedelta(seconds=keep.lead_time_seconds)
    else:
        lead_time = DEFAULT_LEAD_TIME
    try:
        return parse_recurrence(
            spec.rule,
            timezone=spec.timezone,
            now=now,
            start=spec.start or start,
            mode=spec.mode,
            ends_at=spec.ends_at,
            count=spec.count,
            lead_time=lead_time,
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


async def last_occurrences(
    session: AsyncSession, series_ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """The latest occurrence each series has materialized (any status: a tombstone's slot
    stays taken)."""
    if not series_ids:
        return {}
    rows = await session.execute(
        text(
            "SELECT series_id, max(occurrence_at) FROM tasks WHERE series_id = ANY(:ids) "
            "GROUP BY series_id"
        ),
        {"ids": series_ids},
    )
    return {sid: last for sid, last in rows if last is not None}


def upcoming_after(
    series: RecurringSeries, last: datetime | None, now: datetime, n: int = 1
) -> list[datetime]:
    """The occurrences the engine will create next: after the latest materialized one and
    after `skip_until` (what the engine's round uses too), never before now. None for a
    paused series: it creates nothing until resumed, and resuming continues from the first
    occurrence after the resume, so any date shown now might never happen. None either for a
    series that repeats after completion: its next date is the completion date plus the
    interval, unknown until the pending task is completed (the rule's dates would mislead)."""
    if series.status in (SeriesStatus.DELETED, SeriesStatus.COMPLETED, SeriesStatus.PAUSED):
        return []
    if series.mode == Mode.AFTER_COMPLETION.value:
        return []
    floor = max((t for t in (last, series.skip_until) if t is not None), default=None)
    after = now - timedelta(minutes=1) if floor is None else floor
    return recurrence_of(series).preview(n, after=after)


async def describe(
    session: AsyncSession, series: RecurringSeries, now: datetime, n: int = 5
) -> SeriesPublic:
    rec = recurrence_of(series)
    last = (await last_occurrences(session, [series.series_id])).get(series.series_id)
    upcoming = upcoming_after(series, last, now, n)
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
        start_local=series.recurrence_start_date,
        ends_at=series.recurrence_end_date,
        count=series.recurrence_count,
        lead_time_minutes=series.lead_time_seconds // 60,
        reminders=list(series.reminder_offsets),
        upcoming_occurrence=upcoming[0] if upcoming else None,
        next_occurrences=upcoming,
        created_at=series.created_at,
        updated_at=series.updated_at,
    )


async def get_series(
    session: AsyncSession, user_id: str, series_id: uuid.UUID, lock: bool = True
) -> RecurringSeries:
    """Locked by default: every writer takes the series lock before any task lock."""
    query = select(RecurringSeries).where(
        RecurringSeries.series_id == series_id, RecurringSeries.user_id == user_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    series = (await session.exec(query)).first()
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
            task.status = TaskStatus.DELETED
            task.updated_at = now_utc()
            session.add(task)
        event = TaskDeleted(user_id=task.user_id, task=task_payload(task), cancelled_jobs=jobs)
        add_event(session, event)
    await session.flush()


async def pending_from(
    session: AsyncSession, series_id: uuid.UUID, since: datetime | None
) -> list[Task]:
    query = select(Task).where(Task.series_id == series_id, Task.status == TaskStatus.PENDING)
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
    series.status = SeriesStatus.DELETED
    series.upcoming_occurrence = None
    series.updated_at = now_utc()
    session.add(series)
    add_event(session, SeriesDeleted(user_id=series.user_id, series=series_payload(series)))


def check_series_capacity(rec: Recurrence, now: datetime, cap: int) -> int:
    """How many instances the series keeps pending at its peak (occurrences within one lead
    time, plus the one due); 422 above `cap`. The engine creates every occurrence whose
    lead time has begun, so "every 15 minutes" with a 30-day lead time would mean ~2,880
    tasks at once. The first year of occurrences is examined."""
    window = rec.lead_time
    occurrences = rec.preview(min(1000, cap * 4 + 1), after=now - timedelta(minutes=1))
    peak, lo = 0, 0
    for hi, at in enumerate(occurrences):
        while at - occurrences[lo] > window:
            lo += 1
        peak = max(peak, hi - lo + 1)
        if peak > cap:
            minutes = int(window.total_seconds() // 60)
            raise Invalid(
                "recurrence",
                f"This rule with a lead time of {minutes} minutes would keep more than {cap} "
                f"tasks pending at once (at most {cap} per series): use a shorter lead time "
                "or a less frequent rule.",
            )
    return max(peak, 1)


async def brought_by_completion(
    session: AsyncSession, task: Task, completed_at: datetime
) -> list[Task]:
    """The instances the engine created because `task` was completed, if still pending and
    untouched (never edited): an after-completion series names it (it follows `task`,
    whatever its due date, which may be earlier after an early completion); on a fixed
    schedule, the later instances created after the completion."""
    fixed_schedule = and_(
        col(Task.follows_task_id).is_(None),
        col(Task.occurrence_at) > task.occurrence_at,
        col(Task.created_at) >= completed_at,
    )
    query = select(Task).where(
        Task.series_id == task.series_id,
        Task.status == TaskStatus.PENDING,
        col(Task.is_exception).is_(False),
        col(Task.updated_at) == col(Task.created_at),
        or_(col(Task.follows_task_id) == task.task_id, fixed_schedule),
    )
    return list((await session.exec(query)).all())


_TEMPLATE = ("title", "description", "priority")


async def edit_series(
    session: AsyncSession, series: RecurringSeries, changes: dict[str, Any], now: datetime
) -> Task | None:
    """Edits the series and its pending, unedited instances; a new rule regenerates what is
    upcoming. Returns the series' first pending instance when the rule changed (the edited
    one may have been regenerated away), else None. The caller holds the series lock."""
    template = {k: changes[k] for k in _TEMPLATE if k in changes}
    if "priority" in template:
        template["priority"] = getattr(template["priority"], "value", template["priority"])
    for name, value in template.items():
        setattr(series, name, value)
    reminders: list[str] | None = changes.get("reminders")
    if reminders is not None:
        series.reminder_offsets = reminders
    if changes.get("lead_time_minutes") is not None:
        series.lead_time_seconds = int(changes["lead_time_minutes"]) * 60
    regenerated = False
    if changes.get("recurrence") is not None:
        spec = RecurrenceIn.model_validate(changes["recurrence"])
        apply_recurrence(series, parse_or_422(spec, now, keep=series))
        series.skip_until = now
        upcoming = await pending_from(session, series.series_id, now)
        await retire_tasks(session, upcoming, hard=True)
        regenerated = True
    series.updated_at = now
    session.add(series)
    pending = await pending_from(session, series.series_id, None)
    for inst in pending:
        if not inst.is_exception and template:
            for name, value in template.items():
                setattr(inst, name, value)
            inst.updated_at = now
            session.add(inst)
            add_event(
                session,
                TaskUpdated(
                    user_id=inst.user_id, task=task_payload(inst), changes=sorted(template)
                ),
            )
        if reminders is not None:
            await write_reminders(
                session, inst.task_id, inst.user_id, inst.due_date, reminders, now
            )
    if regenerated:
        series.upcoming_occurrence = None
    await session.flush()
    add_event(
        session,
        SeriesUpdated(
            user_id=series.user_id,
            series=series_payload(series),
            changes=sorted(changes),
            regenerated=regenerated,
        ),
    )
    if not regenerated:
        return None
    if pending:
        return pending[0]
    rec = recurrence_of(series)
    first_at = first_occurrence(rec, now)
    first = await materialize(session, series, first_at, now, source=SOURCE)
    series.upcoming_occurrence = rec.next_after(first_at)
    session.add(series)
    return first
