"""How tasks look to clients: the row, its reminders and, for an instance, its series' rule.
One query per kind for a whole page, never one per task."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select

from api.schemas import TaskPublic
from api.series_commands import last_occurrences, now_utc, upcoming_after
from storage.tables import RecurringSeries, Task


async def present(session: Any, tasks: Sequence[Task]) -> list[TaskPublic]:
    series_ids = {t.series_id for t in tasks if t.series_id is not None}
    series: dict[uuid.UUID, RecurringSeries] = {}
    if series_ids:
        rows = await session.exec(
            select(RecurringSeries).where(col(RecurringSeries.series_id).in_(series_ids))
        )
        series = {s.series_id: s for s in rows.all()}
    last = await last_occurrences(session, list(series))
    now = now_utc()
    upcoming: dict[uuid.UUID, datetime | None] = {}
    for sid, row in series.items():
        found = upcoming_after(row, last.get(sid), now)
        upcoming[sid] = found[0] if found else None
    offsets: dict[uuid.UUID, list[str]] = {}
    # Regular instances show the series' offsets; one-off tasks and edited instances the
    # offsets of their own reminder rows.
    one_offs = [t.task_id for t in tasks if t.series_id is None or t.is_exception]
    if one_offs:
        result = await session.execute(
            text(
                'SELECT task_id, "offset" FROM reminders WHERE task_id = ANY(:ids) '
                "AND status <> 'cancelled' ORDER BY scheduled_time"
            ),
            {"ids": one_offs},
        )
        for task_id, offset in result:
            offsets.setdefault(task_id, []).append(offset)
    out = []
    for task in tasks:
        s = series.get(task.series_id) if task.series_id is not None else None
        out.append(
            TaskPublic(
                task_id=task.task_id,
                series_id=task.series_id,
                title=task.title,
                description=task.description,
                priority=task.priority,
                due_at=task.due_date,
                occurrence_at=task.occurrence_at,
                status=task.status,
                is_exception=task.is_exception,
                is_recurring=task.is_recurring,
                recurrence_pattern=s.recurrence_pattern if s else None,
                recurrence_end_date=s.recurrence_end_date if s else None,
                upcoming_occurrence=upcoming.get(s.series_id) if s else None,
                reminders=list(s.reminder_offsets)
                if s and not task.is_exception
                else offsets.get(task.task_id, []),
                completed_at=task.completed_at,
                created_at=task.created_at,
                updated_at=task.updated_at,
            )
        )
    return out


async def present_one(session: Any, task: Task) -> TaskPublic:
    return (await present(session, [task]))[0]
