"""Tasks: one-off tasks and the instances of recurring series."""

import uuid
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import series_commands as sc
from api.deps import CurrentUser, RuntimeDep, SessionDep
from api.errors import Conflict, Invalid, NotFound
from api.idempotency import IdempotencyKey, once
from api.routes import API_V1
from api.schemas import Scope, TaskCreate, TaskCreated, TaskPage, TaskPublic, TaskUpdate
from contracts.events import SeriesCreated, SeriesUpdated, TaskCompleted, TaskUpdated
from contracts.events import TaskCreated as TaskCreatedEvent
from recurrence import split
from storage.event_payloads import series_payload, task_payload
from storage.instances import materialize, recurrence_of
from storage.outbox import add_event
from storage.reminders import cancel_reminders, write_reminders
from storage.tables import RecurringSeries, Task

router = APIRouter(prefix=f"{API_V1}/tasks", tags=["tasks"])
MAX_PAGE_SIZE = 50


def public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task, from_attributes=True)


async def owned_task(
    session: AsyncSession, user_id: str, task_id: uuid.UUID, lock: bool = False
) -> Task:
    """Another user's task and a missing one look the same: 404."""
    query = select(Task).where(
        Task.task_id == task_id, Task.user_id == user_id, Task.status != "deleted"
    )
    task: Task | None = (await session.exec(query.with_for_update() if lock else query)).first()
    if task is None:
        raise NotFound("Task not found.")
    return task


@router.post("", status_code=201, response_model=TaskCreated)
async def create_task(
    body: TaskCreate,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A one-off task, or a recurring series (its first instance is returned) when the body
    has `recurrence`."""

    async def handler() -> TaskCreated:
        now = sc.now_utc()
        if body.recurrence is not None:
            series, first = await sc.create_series(session, user_id, body, now)
            return TaskCreated(**public(first).model_dump(), series=sc.describe(series, now))
        task = Task(
            user_id=user_id,
            title=body.title,
            description=body.description,
            priority=body.priority.value,
            due_date=body.due_at,
        )
        session.add(task)
        await session.flush()
        await session.refresh(task)
        reminders = await write_reminders(
            session, task.task_id, user_id, task.due_date, body.reminders, now
        )
        add_event(
            session,
            TaskCreatedEvent(user_id=user_id, task=task_payload(task), reminders=reminders),
        )
        return TaskCreated(**public(task).model_dump())

    return await once(session, user_id, idempotency_key, request.url.path, body, 201, handler)


@router.get("", response_model=TaskPage)
async def list_tasks(
    request: Request,
    runtime: RuntimeDep,
    user_id: CurrentUser,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(pending|completed|deleted)$")] = None,
    series_id: uuid.UUID | None = None,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> TaskPage:
    """Stable order: due date (undated last), then creation, then id."""
    for name, value in (("due_before", due_before), ("due_after", due_after)):
        if value is not None and value.tzinfo is None:
            raise Invalid(name, f"{name} needs a UTC offset, e.g. 2026-12-01T00:00:00Z")
    query = select(Task).where(Task.user_id == user_id)
    query = query.where(Task.status == status) if status else query.where(Task.status != "deleted")
    if series_id is not None:
        query = query.where(Task.series_id == series_id)
    if due_before is not None:
        query = query.where(col(Task.due_date) < due_before)
    if due_after is not None:
        query = query.where(col(Task.due_date) >= due_after)
    query = query.order_by(
        col(Task.due_date).asc().nulls_last(), col(Task.created_at), col(Task.task_id)
    )
    rows = (await session.exec(query.offset((page - 1) * page_size).limit(page_size + 1))).all()
    next_url = None
    if len(rows) > page_size:
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        params["page"] = str(page + 1)
        next_url = f"{runtime.settings.public_base_url}{request.url.path}?{urlencode(params)}"
    return TaskPage(
        items=[public(t) for t in rows[:page_size]], page=page, page_size=page_size, next=next_url
    )


@router.get("/{task_id}", response_model=TaskPublic)
async def get_task(task_id: uuid.UUID, user_id: CurrentUser, session: SessionDep) -> TaskPublic:
    return public(await owned_task(session, user_id, task_id))


@router.post("/{task_id}/complete", response_model=TaskPublic)
async def complete_task(
    task_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Idempotent: completing a completed task changes nothing and emits nothing."""

    async def handler() -> TaskPublic:
        task = await owned_task(session, user_id, task_id, lock=True)
        if task.status == "completed":
            return public(task)
        now = sc.now_utc()
        task.status, task.completed_at, task.updated_at = "completed", now, now
        session.add(task)
        jobs = await cancel_reminders(session, [task.task_id])
        await session.flush()
        add_event(
            session, TaskCompleted(user_id=user_id, task=task_payload(task), cancelled_jobs=jobs)
        )
        return public(task)

    return await once(session, user_id, idempotency_key, request.url.path, None, 200, handler)


@router.patch("/{task_id}", response_model=TaskPublic)
async def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    user_id: CurrentUser,
    session: SessionDep,
    scope: Scope = Scope.THIS,
) -> TaskPublic:
    """scope=this edits one occurrence (it becomes an exception); following splits the
    series at this occurrence; all edits the series (a new rule regenerates what is
    upcoming). Changing a due date recomputes that task's reminders."""
    task = await owned_task(session, user_id, task_id, lock=True)
    changes = body.changes()
    if not changes:
        raise Invalid("body", "Nothing to change: send at least one field")
    now = sc.now_utc()
    if task.series_id is None or scope is Scope.THIS:
        if "recurrence" in changes:
            raise Invalid("recurrence", "A rule can change only with scope=following or scope=all")
        return await _edit_one(session, task, body, now)
    if "due_at" in changes:
        raise Invalid("due_at", "A due date can change only for one occurrence (scope=this)")
    series = await sc.get_series(session, user_id, task.series_id)
    if series.status == "deleted":
        raise Conflict("This series is deleted.")
    if scope is Scope.FOLLOWING and await _has_earlier(session, series, task):
        return await _split(session, series, task, body, now)
    return await _edit_series(session, series, task, body, now)


async def _edit_one(
    session: AsyncSession, task: Task, body: TaskUpdate, now: datetime
) -> TaskPublic:
    changes = body.changes()
    for name in ("title", "description", "priority"):
        if name in changes:
            setattr(task, name, changes[name] if name != "priority" else changes[name].value)
    if "due_at" in changes:
        task.due_date = changes["due_at"]
    task.is_exception = task.series_id is not None
    task.updated_at = now
    session.add(task)
    if "due_at" in changes or "reminders" in changes:
        offsets = body.reminders
        if offsets is None:
            offsets = await _default_offsets(session, task)
        await write_reminders(session, task.task_id, task.user_id, task.due_date, offsets, now)
    await session.flush()
    add_event(
        session,
        TaskUpdated(user_id=task.user_id, task=task_payload(task), changes=sorted(changes)),
    )
    return public(task)


async def _default_offsets(session: AsyncSession, task: Task) -> list[str]:
    """A moved due date keeps the reminders the task had: the series' offsets for an
    instance, the offsets of its reminder rows for a one-off task."""
    if task.series_id is not None:
        series = await session.get(RecurringSeries, task.series_id)
        return list(series.reminder_offsets) if series else []
    result = await session.execute(
        text('SELECT DISTINCT "offset" FROM reminders WHERE task_id = :t'), {"t": task.task_id}
    )
    return [r[0] for r in result]


async def _has_earlier(session: AsyncSession, series: RecurringSeries, task: Task) -> bool:
    rec = recurrence_of(series)
    first = rec.preview(1)
    return bool(first) and task.occurrence_at is not None and first[0] < task.occurrence_at


async def _edit_series(
    session: AsyncSession, series: RecurringSeries, task: Task, body: TaskUpdate, now: datetime
) -> TaskPublic:
    changes = body.changes()
    template = {k: changes[k] for k in ("title", "description", "priority") if k in changes}
    if "priority" in template:
        template["priority"] = template["priority"].value
    for name, value in template.items():
        setattr(series, name, value)
    if body.reminders is not None:
        series.reminder_offsets = body.reminders
    regenerated = False
    if body.recurrence is not None:
        rec = sc.parse_or_422(body.recurrence, now)
        sc.apply_recurrence(series, rec)
        series.skip_until = now
        upcoming = await sc.pending_from(session, series.series_id, now)
        await sc.retire_tasks(session, upcoming, hard=True)
        regenerated = True
    series.updated_at = now
    session.add(series)
    pending = await sc.pending_from(session, series.series_id, None)
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
        if body.reminders is not None:
            await write_reminders(
                session, inst.task_id, inst.user_id, inst.due_date, body.reminders, now
            )
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
    if regenerated:
        # The edited instance may have been one of the regenerated ones: answer with the
        # series' first pending instance, materializing the new rule's first if none is left.
        first = pending[0] if pending else None
        if first is None:
            first = await materialize(
                session,
                series,
                sc.first_occurrence(recurrence_of(series), now),
                now,
                source=sc.SOURCE,
            )
        if first is not None:
            return public(first)
    await session.refresh(task)
    return public(task)


async def _split(
    session: AsyncSession, series: RecurringSeries, task: Task, body: TaskUpdate, now: datetime
) -> TaskPublic:
    """Calendar-style "this and following": the old series ends before this occurrence and
    a new series, carrying the changes, starts here."""
    assert task.occurrence_at is not None
    changes = body.changes()
    old_rec = recurrence_of(series)
    await sc.end_series_before(session, series, task.occurrence_at)
    following = await sc.pending_from(session, series.series_id, task.occurrence_at)
    await sc.retire_tasks(session, following, hard=False)
    new = RecurringSeries(
        user_id=series.user_id,
        title=changes.get("title", series.title),
        description=changes.get("description", series.description),
        priority=changes["priority"].value if "priority" in changes else series.priority,
        recurrence_pattern=series.recurrence_pattern,
        timezone=series.timezone,
        recurrence_start_date=series.recurrence_start_date,
        reminder_offsets=body.reminders if body.reminders is not None else series.reminder_offsets,
    )
    if body.recurrence is not None:
        rec = sc.parse_or_422(body.recurrence, now, start=task.occurrence_at)
    else:
        rec = split.following(old_rec, task.occurrence_at)
    sc.apply_recurrence(new, rec)
    session.add(new)
    await session.flush()
    first_at = rec.next_after(task.occurrence_at - timedelta(minutes=1)) or sc.first_occurrence(
        rec, now
    )
    first = await materialize(session, new, first_at, now, source=sc.SOURCE)
    new.upcoming_occurrence = rec.next_after(first_at)
    assert first is not None
    add_event(
        session,
        SeriesCreated(
            user_id=new.user_id,
            series=series_payload(new),
            first_task_id=first.task_id,
            split_from=series.series_id,
        ),
    )
    return public(first)


@router.delete("/{task_id}", status_code=204)
async def delete_task(
    task_id: uuid.UUID,
    user_id: CurrentUser,
    session: SessionDep,
    scope: Scope = Scope.THIS,
    confirm: bool = False,
) -> None:
    """Deleting more than one occurrence needs confirm=true. Completed instances stay."""
    task = await owned_task(session, user_id, task_id, lock=True)
    if task.series_id is None or scope is Scope.THIS:
        if task.status == "completed":
            raise Conflict("A completed task stays in history and cannot be deleted.")
        await sc.retire_tasks(session, [task], hard=False)
        return
    if not confirm:
        raise Conflict(
            f"Deleting {scope.value} occurrences removes more than one task: "
            "repeat the request with confirm=true."
        )
    series = await sc.get_series(session, user_id, task.series_id)
    if scope is Scope.FOLLOWING and await _has_earlier(session, series, task):
        assert task.occurrence_at is not None
        await sc.end_series_before(session, series, task.occurrence_at)
        await sc.retire_tasks(
            session,
            await sc.pending_from(session, series.series_id, task.occurrence_at),
            hard=False,
        )
        return
    await sc.delete_series(session, series)
