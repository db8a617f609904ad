"""Reading series for the engine: the round's view of one series, and which series are
live (a workflow should be running for each)."""

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.status import SeriesStatus, TaskStatus
from recurrence.planning import SeriesView
from storage.tables import RecurringSeries

_VIEW = text(
    """
    SELECT max(occurrence_at) AS last_occurrence,
           count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           (array_agg(status ORDER BY created_at DESC, task_id DESC))[1] AS latest_status,
           (array_agg(task_id ORDER BY created_at DESC, task_id DESC))[1] AS latest_task_id,
           max(completed_at) AS latest_completed_at
    FROM tasks WHERE series_id = :sid
    """
)


async def lock_series(session: AsyncSession, series_id: str) -> RecurringSeries | None:
    """The series row, locked until the caller's transaction ends (one round at a time)."""
    query = select(RecurringSeries).where(RecurringSeries.series_id == series_id)
    return (await session.exec(query.with_for_update())).first()


async def series_view(session: AsyncSession, series: RecurringSeries) -> SeriesView:
    """What a round needs to know about the series' instances."""
    row = (await session.execute(_VIEW, {"sid": series.series_id})).one()
    return SeriesView(
        last_occurrence=row.last_occurrence,
        skip_until=series.skip_until,
        pending=row.pending,
        latest_completed_at=row.latest_completed_at,
        latest_is_completed=row.latest_status == TaskStatus.COMPLETED,
        completed_count=row.completed,
        latest_instance=None if row.latest_task_id is None else str(row.latest_task_id),
    )


async def series_is_live(session: AsyncSession, series_id: str) -> bool:
    status = (
        await session.execute(
            text("SELECT status FROM recurring_series WHERE series_id = :s"), {"s": series_id}
        )
    ).scalar()
    return status is not None and SeriesStatus(status).live


async def count_live_series(session: AsyncSession) -> int:
    found = await session.execute(
        text("SELECT count(*) FROM recurring_series WHERE status = ANY(:live)"),
        {"live": [s.value for s in SeriesStatus if s.live]},
    )
    return int(found.scalar_one())


async def live_series_ids(session: AsyncSession) -> list[str]:
    rows = await session.execute(
        text("SELECT series_id FROM recurring_series WHERE status = ANY(:live)"),
        {"live": [s.value for s in SeriesStatus if s.live]},
    )
    return [str(r[0]) for r in rows]
