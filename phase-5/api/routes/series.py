"""Series as resources: list, read, edit, delete; pause, resume, skip the next occurrence.
A series stays reachable here when it has no pending instance (paused, all deleted)."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import series_commands as sc
from api.contract import responses
from api.deps import CurrentUser, RuntimeDep, SessionDep
from api.errors import Conflict, Invalid
from api.idempotency import IdempotencyKey, once
from api.routes import API_V1
from api.routes.tasks import Confirm, next_page
from api.schemas import SeriesPage, SeriesPublic, SeriesUpdate
from contracts.events import SeriesUpdated
from contracts.status import SeriesStatus
from storage.event_payloads import series_payload
from storage.instances import recurrence_of
from storage.outbox import add_event
from storage.tables import RecurringSeries

router = APIRouter(prefix=f"{API_V1}/series", tags=["series"])
MAX_PAGE_SIZE = 50


@router.get("", response_model=SeriesPage)
async def list_series(
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(active|paused|completed|deleted)$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> SeriesPage:
    """Newest first; deleted series only when asked for with status=deleted."""
    query = select(RecurringSeries).where(RecurringSeries.user_id == user_id)
    if status:
        query = query.where(RecurringSeries.status == status)
    else:
        query = query.where(RecurringSeries.status != SeriesStatus.DELETED)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    query = query.order_by(col(RecurringSeries.created_at).desc(), col(RecurringSeries.series_id))
    rows = (await session.exec(query.offset((page - 1) * page_size).limit(page_size + 1))).all()
    now = sc.now_utc()
    return SeriesPage(
        items=[await sc.describe(session, s, now) for s in rows[:page_size]],
        total=total,
        page=page,
        page_size=page_size,
        next=next_page(request, page) if len(rows) > page_size else None,
    )


@router.get("/{series_id}", response_model=SeriesPublic)
async def get_series(
    series_id: uuid.UUID, user_id: CurrentUser, session: SessionDep
) -> SeriesPublic:
    series = await sc.get_series(session, user_id, series_id, lock=False)
    return await sc.describe(session, series, sc.now_utc())


@router.patch("/{series_id}", response_model=SeriesPublic, responses=responses(409))
async def update_series(
    series_id: uuid.UUID,
    body: SeriesUpdate,
    user_id: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> SeriesPublic:
    """Edits the series and its pending, unedited instances (like scope=all on a task);
    a new rule regenerates what is upcoming and keeps the lead time unless given."""
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Invalid("body", "Nothing to change: send at least one field")
    series = await sc.get_series(session, user_id, series_id)
    if series.status in (SeriesStatus.DELETED, SeriesStatus.COMPLETED):
        raise Conflict(f"This series is {series.status}.")
    now = sc.now_utc()
    if body.recurrence is not None or body.lead_time_minutes is not None:
        rec = (
            sc.parse_or_422(body.recurrence, now, keep=series)
            if body.recurrence is not None
            else recurrence_of(series)
        )
        if body.lead_time_minutes is not None:
            rec = replace(rec, lead_time=timedelta(minutes=body.lead_time_minutes))
        sc.check_series_capacity(rec, now, runtime.settings.max_pending_per_series)
    await sc.edit_series(session, series, changes, now)
    return await sc.describe(session, series, now)


@router.delete("/{series_id}", status_code=204, responses=responses(409))
async def delete_series(
    series_id: uuid.UUID, user_id: CurrentUser, session: SessionDep, confirm: Confirm = "false"
) -> Response:
    """Removes the series' pending instances and stops it; completed instances stay.
    Needs confirm=true. Deleting a deleted series changes nothing."""
    series = await sc.get_series(session, user_id, series_id)
    if confirm != "true":
        raise Conflict(
            "Deleting a series removes all its pending tasks: repeat the request with confirm=true."
        )
    if series.status != SeriesStatus.DELETED:
        await sc.delete_series(session, series)
    return Response(status_code=204)


async def _change(
    session: AsyncSession,
    user_id: str,
    series_id: uuid.UUID,
    change: str,
    apply: Callable[[RecurringSeries], Awaitable[bool]],
) -> SeriesPublic:
    series = await sc.get_series(session, user_id, series_id)
    if series.status in (SeriesStatus.DELETED, SeriesStatus.COMPLETED):
        raise Conflict(f"This series is {series.status}.")
    if await apply(series):
        series.updated_at = sc.now_utc()
        session.add(series)
        await session.flush()
        add_event(
            session, SeriesUpdated(user_id=user_id, series=series_payload(series), changes=[change])
        )
    return await sc.describe(session, series, sc.now_utc())


async def _act(
    request: Request,
    session: AsyncSession,
    user_id: str,
    key: str | None,
    series_id: uuid.UUID,
    change: str,
    apply: Callable[[RecurringSeries], Awaitable[bool]],
) -> JSONResponse:
    """A series action, once per Idempotency-Key."""
    return await once(
        session,
        user_id,
        key,
        request.url.path,
        None,
        200,
        lambda: _change(session, user_id, series_id, change, apply),
    )


@router.post("/{series_id}/pause", response_model=SeriesPublic, responses=responses(409))
async def pause_series(
    series_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Stops generating instances; the cursor is kept. Pausing twice is one pause."""

    async def apply(series: RecurringSeries) -> bool:
        if series.status == SeriesStatus.PAUSED:
            return False
        series.status = SeriesStatus.PAUSED
        return True

    return await _act(request, session, user_id, idempotency_key, series_id, "paused", apply)


@router.post("/{series_id}/resume", response_model=SeriesPublic, responses=responses(409))
async def resume_series(
    series_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Continues from the next occurrence after now: occurrences missed while paused are
    not created."""

    async def apply(series: RecurringSeries) -> bool:
        if series.status != SeriesStatus.PAUSED:
            return False
        series.status = SeriesStatus.ACTIVE
        now = sc.now_utc()
        series.skip_until = max(now, series.skip_until) if series.skip_until else now
        return True

    return await _act(request, session, user_id, idempotency_key, series_id, "resumed", apply)


@router.post("/{series_id}/skip", response_model=SeriesPublic, responses=responses(409))
async def skip_next_occurrence(
    series_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Skips the next occurrence: the earliest pending instance is removed (its slot stays
    taken), or, with none pending, the next one is never created. A paused series with
    nothing pending has no next occurrence yet (409): resume it first."""

    async def apply(series: RecurringSeries) -> bool:
        pending = await sc.pending_from(session, series.series_id, None)
        if pending:
            await sc.retire_tasks(session, pending[:1], hard=False)
            return True
        if series.status == SeriesStatus.PAUSED:
            raise Conflict(
                "This series is paused, so it has no next occurrence to skip: "
                "resume it first (it continues from the first occurrence after the resume)."
            )
        last = (await sc.last_occurrences(session, [series.series_id])).get(series.series_id)
        upcoming = sc.upcoming_after(series, last, sc.now_utc())
        if not upcoming:
            raise Conflict("This series has no next occurrence to skip.")
        series.skip_until = upcoming[0]
        return True

    return await _act(request, session, user_id, idempotency_key, series_id, "skipped", apply)
