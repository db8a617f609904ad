"""Series: read, pause, resume, skip the next occurrence."""

import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from api import series_commands as sc
from api.deps import CurrentUser, SessionDep
from api.errors import Conflict
from api.idempotency import IdempotencyKey, once
from api.routes import API_V1
from api.schemas import SeriesPublic
from contracts.events import SeriesUpdated
from storage.event_payloads import series_payload
from storage.outbox import add_event
from storage.tables import RecurringSeries

router = APIRouter(prefix=f"{API_V1}/series", tags=["series"])


@router.get("/{series_id}", response_model=SeriesPublic)
async def get_series(
    series_id: uuid.UUID, user_id: CurrentUser, session: SessionDep
) -> SeriesPublic:
    series = await sc.get_series(session, user_id, series_id)
    return sc.describe(series, sc.now_utc())


async def _change(
    session: AsyncSession,
    user_id: str,
    series_id: uuid.UUID,
    change: str,
    apply: Callable[[RecurringSeries], Awaitable[bool]],
) -> SeriesPublic:
    series = await sc.get_series(session, user_id, series_id)
    if series.status in ("deleted", "completed"):
        raise Conflict(f"This series is {series.status}.")
    if await apply(series):
        series.updated_at = sc.now_utc()
        session.add(series)
        await session.flush()
        add_event(
            session, SeriesUpdated(user_id=user_id, series=series_payload(series), changes=[change])
        )
    return sc.describe(series, sc.now_utc())


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


@router.post("/{series_id}/pause", response_model=SeriesPublic)
async def pause(
    series_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Stops generating instances; the cursor is kept. Pausing twice is one pause."""

    async def apply(series: RecurringSeries) -> bool:
        if series.status == "paused":
            return False
        series.status = "paused"
        return True

    return await _act(request, session, user_id, idempotency_key, series_id, "paused", apply)


@router.post("/{series_id}/resume", response_model=SeriesPublic)
async def resume(
    series_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Continues from the next occurrence after now: occurrences missed while paused are
    not created."""

    async def apply(series: RecurringSeries) -> bool:
        if series.status != "paused":
            return False
        series.status = "active"
        series.skip_until = sc.now_utc()
        return True

    return await _act(request, session, user_id, idempotency_key, series_id, "resumed", apply)


@router.post("/{series_id}/skip", response_model=SeriesPublic)
async def skip(
    series_id: uuid.UUID,
    request: Request,
    user_id: CurrentUser,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Skips the next occurrence: the earliest pending instance is removed (its slot stays
    taken), or, with none pending, the next one is never created."""

    async def apply(series: RecurringSeries) -> bool:
        pending = await sc.pending_from(session, series.series_id, None)
        if pending:
            await sc.retire_tasks(session, pending[:1], hard=False)
            return True
        if series.upcoming_occurrence is None:
            raise Conflict("This series has no next occurrence to skip.")
        series.skip_until = series.upcoming_occurrence
        return True

    return await _act(request, session, user_id, idempotency_key, series_id, "skipped", apply)
