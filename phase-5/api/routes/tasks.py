"""Tasks: one-off tasks and the instances of recurring series."""

import json
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import series_commands as sc
from api.contract import responses
from api.deps import CurrentUser, RuntimeDep, SessionDep
from api.errors import Conflict, Invalid, NotFound
from api.idempotency import IdempotencyKey, once
from api.representation import present, present_one
from api.routes import API_V1
from api.schemas import (
    Scope,
    Sort,
    TaskCreate,
    TaskCreated,
    TaskPage,
    TaskPublic,
    TaskUpdate,
    check_year,
)
from contracts.events import SeriesCreated, TaskCompleted, TaskUpdated
from contracts.events import TaskCreated as TaskCreatedEvent
from contracts.status import SeriesStatus, TaskStatus
from recurrence import split
from storage.event_payloads import series_payload, task_payload
from storage.instances import materialize, recurrence_of
from storage.outbox import add_event
from storage.reminders import cancel_reminders, write_reminders
from storage.tables import RecurringSeries, Task

router = APIRouter(prefix=f"{API_V1}/tasks", tags=["tasks"])
MAX_PAGE_SIZE = 50


Confirm = Annotated[
    Literal["true", "false"],
    Query(description="must be exactly `true` to remove more than one occurrence"),
]


async def owned_task(
    session: AsyncSession, user_id: str, task_id: uuid.UUID, lock: bool = False
) -> Task:
    """Another user's task and a missing one look the same: 404."""
    query = select(Task).where(
        Task.task_id == task_id, Task.user_id == user_id, Task.status != TaskStatus.DELETED
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    task: Task | None = (await session.exec(query)).first()
    if task is None:
        raise NotFound("Task not found.")
    return task


async def lock_task(
    session: Any, user_id: str, task_id: uuid.UUID
) -> tuple[Task, RecurringSeries | None]:
    """Locks in the one global order every writer follows: the series row first, then the
    task row (the engine's round locks the series too). Two edits of one series therefore
    take turns instead of each holding a task the other needs (a deadlock)."""
    task = await owned_task(session, user_id, task_id)
    series = None
    if task.series_id is not None:
        series = await sc.get_series(session, user_id, task.series_id)
    task = await owned_task(session, user_id, task_id, lock=True)
    return task, series


async def check_user_capacity(session: Any, user_id: str, adding: int, cap: int) -> None:
    pending = (
        await session.execute(
            text("SELECT count(*) FROM tasks WHERE user_id = :u AND status = 'pending'"),
            {"u": user_id},
        )
    ).scalar_one()
    if pending + adding > cap:
        raise Invalid(
            "request",
            f"You have {pending} pending tasks; at most {cap} can be pending at once. "
            "Complete or delete some first.",
        )


@router.post("", status_code=201, response_model=TaskCreated)
async def create_task(
    body: TaskCreate,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A one-off task, or a recurring series (its first instance is returned) when the body
    has `recurrence`. `Location` names the created task."""
    if body.reminders and body.due_at is None and body.recurrence is None:
        raise Invalid("reminders", "Reminders need a due date: send due_at too")
    settings = runtime.settings

    async def handler() -> TaskCreated:
        now = sc.now_utc()
        if body.recurrence is not None:
            peak = sc.check_series_capacity(
                sc.parse_or_422(body.recurrence, now, start=body.due_at),
                now,
                settings.max_pending_per_series,
            )
            await check_user_capacity(session, user_id, peak, settings.max_pending_per_user)
            series, first = await sc.create_series(session, user_id, body, now)
            shown = await present_one(session, first)
            return TaskCreated(**shown.model_dump(), series=await sc.describe(session, series, now))
        await check_user_capacity(session, user_id, 1, settings.max_pending_per_user)
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
        return TaskCreated(**(await present_one(session, task)).model_dump())

    response = await once(session, user_id, idempotency_key, request.url.path, body, 201, handler)
    if response.status_code == 201:
        task_id = jsonable_task_id(response)
        if task_id:
            response.headers["Location"] = f"{API_V1}/tasks/{task_id}"
    return response


def jsonable_task_id(response: JSONResponse) -> str | None:
    try:
        value = json.loads(bytes(response.body)).get("task_id")
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None


_ORDER = {
    Sort.DUE_AT: (col(Task.due_date).asc().nulls_last(), col(Task.created_at)),
    Sort.DUE_AT_DESC: (col(Task.due_date).desc().nulls_last(), col(Task.created_at).desc()),
    Sort.CREATED_AT: (col(Task.created_at), col(Task.due_date).asc().nulls_last()),
    Sort.CREATED_AT_DESC: (col(Task.created_at).desc(), col(Task.due_date).desc().nulls_last()),
}


def next_page(request: Request, page: int) -> str:
    """Relative (path and query): right behind any proxy or host name."""
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    params["page"] = str(page + 1)
    return f"{request.url.path}?{urlencode(params)}"


@router.get("", response_model=TaskPage)
async def list_tasks(
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(pending|completed|deleted)$")] = None,
    series_id: uuid.UUID | None = None,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    sort: Sort = Sort.DUE_AT,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> TaskPage:
    """Stable order: `sort` (due date, undated last; or creation), then id."""
    query = select(Task).where(Task.user_id == user_id)
    for name, value in (("due_before", due_before), ("due_after", due_after)):
        if value is None:
            continue
        try:
            check_year(value, name)
        except ValueError as exc:
            raise Invalid(name, str(exc)) from exc
        if value.tzinfo is None:
            raise Invalid(name, f"{name} needs a UTC offset, e.g. 2026-12-01T00:00:00Z")
    query = (
        query.where(Task.status == status)
        if status
        else query.where(Task.status != TaskStatus.DELETED)
    )
    if series_id is not None:
        query = query.where(Task.series_id == series_id)
    if due_before is not None:
        query = query.where(col(Task.due_date) < due_before)
    if due_after is not None:
        query = query.where(col(Task.due_date) >= due_after)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    query = query.order_by(*_ORDER[sort], col(Task.task_id))
    rows = (await session.exec(query.offset((page - 1) * page_size).limit(page_size + 1))).all()
    return TaskPage(
        items=await present(session, rows[:page_size]),
        total=total,
        page=page,
        page_size=page_size,
        next=next_page(request, page) if len(rows) > page_size else None,
    )


@router.get("/{task_id}", response_model=TaskPublic)
async def get_task(task_id: uuid.UUID, user_id: CurrentUser, session: SessionDep) -> TaskPublic:
    return await present_one(session, await owned_task(session, user_id, task_id))


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
        task, _ = await lock_task(session, user_id, task_id)
        if task.status == TaskStatus.COMPLETED:
            return await present_one(session, task)
        now = sc.now_utc()
        task.status, task.completed_at, task.updated_at = TaskStatus.COMPLETED, now, now
        session.add(task)
        jobs = await cancel_reminders(session, [task.task_id])
        await session.flush()
        add_event(
            session, TaskCompleted(user_id=user_id, task=task_payload(task), cancelled_jobs=jobs)
        )
        return await present_one(session, task)

    return await once(session, user_id, idempotency_key, request.url.path, None, 200, handler)


@router.post("/{task_id}/reopen", response_model=TaskPublic, responses=responses(409))
async def reopen_task(
    task_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Undoes a completion: the task is pending again with its reminders still ahead. For
    an instance of a series, the instance its completion brought is removed if it is still
    pending and untouched (the series then continues from this one). Reopening a pending
    task changes nothing."""

    async def handler() -> TaskPublic:
        task, series = await lock_task(session, user_id, task_id)
        if task.status == TaskStatus.PENDING:
            return await present_one(session, task)
        now = sc.now_utc()
        completed_at = task.completed_at or now
        if series is not None:
            await sc.retire_tasks(
                session, await sc.brought_by_completion(session, task, completed_at), hard=True
            )
        task.status, task.completed_at, task.updated_at = TaskStatus.PENDING, None, now
        session.add(task)
        offsets = await _default_offsets(session, task)
        await write_reminders(session, task.task_id, user_id, task.due_date, offsets, now)
        await session.flush()
        add_event(
            session, TaskUpdated(user_id=user_id, task=task_payload(task), changes=["status"])
        )
        return await present_one(session, task)

    return await once(session, user_id, idempotency_key, request.url.path, None, 200, handler)


@router.patch("/{task_id}", response_model=TaskPublic, responses=responses(409))
async def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    user_id: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    scope: Scope = Scope.THIS,
) -> TaskPublic:
    """scope=this edits one occurrence (it becomes an exception); following splits the
    series at this occurrence; all edits the series (a new rule regenerates what is
    upcoming). Changing a due date recomputes that task's reminders."""
    changes = body.changes()
    if not changes:
        raise Invalid("body", "Nothing to change: send at least one field")
    task, series = await lock_task(session, user_id, task_id)
    now = sc.now_utc()
    if series is None or scope is Scope.THIS:
        if "recurrence" in changes:
            raise Invalid("recurrence", "A rule can change only with scope=following or scope=all")
        if body.reminders and task.due_date is None and body.due_at is None:
            raise Invalid("reminders", "Reminders need a due date: send due_at too")
        return await _edit_one(session, task, body, now)
    if "due_at" in changes:
        raise Invalid("due_at", "A due date can change only for one occurrence (scope=this)")
    if series.status == SeriesStatus.DELETED:
        raise Conflict("This series is deleted.")
    if body.recurrence is not None:
        sc.check_series_capacity(
            sc.parse_or_422(body.recurrence, now, keep=series),
            now,
            runtime.settings.max_pending_per_series,
        )
    if scope is Scope.FOLLOWING and await _has_earlier(session, series, task):
        return await _split(session, series, task, body, now)
    first = await sc.edit_series(session, series, body.changes(), now)
    if first is not None:
        return await present_one(session, first)
    await session.refresh(task)
    return await present_one(session, task)


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
    return await present_one(session, task)


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
    assert first is not None
    return await present_one(session, first)


@router.delete("/{task_id}", status_code=204, responses=responses(409))
async def delete_task(
    task_id: uuid.UUID,
    user_id: CurrentUser,
    session: SessionDep,
    scope: Scope = Scope.THIS,
    confirm: Confirm = "false",
) -> Response:
    """Deleting more than one occurrence needs confirm=true. Completed instances stay."""
    task, series = await lock_task(session, user_id, task_id)
    if series is None or scope is Scope.THIS:
        if task.status == TaskStatus.COMPLETED:
            raise Conflict("A completed task stays in history and cannot be deleted.")
        await sc.retire_tasks(session, [task], hard=False)
        return Response(status_code=204)
    if confirm != "true":
        raise Conflict(
            f"Deleting {scope.value} occurrences removes more than one task: "
            "repeat the request with confirm=true."
        )
    if series.status == SeriesStatus.DELETED:
        return Response(status_code=204)
    if scope is Scope.FOLLOWING and await _has_earlier(session, series, task):
        assert task.occurrence_at is not None
        await sc.end_series_before(session, series, task.occurrence_at)
        await sc.retire_tasks(
            session,
            await sc.pending_from(session, series.series_id, task.occurrence_at),
            hard=False,
        )
        return Response(status_code=204)
    await sc.delete_series(session, series)
    return Response(status_code=204)
