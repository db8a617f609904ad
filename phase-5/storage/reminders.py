"""Reminder rows: one per (task, offset before due), each backed by one Dapr job whose name
is deterministic, so writing the same reminder twice never doubles it."""

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from infra.messaging import reminder_job_name

_OFFSET = re.compile(r"^(\d{1,4})([mhdw])$")
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_OFFSET = timedelta(days=28)
MAX_REMINDERS = 5


def parse_offset(offset: str) -> timedelta:
    """'0m', '15m', '1h', '1d', '1w' -> how long before the due time to remind."""
    match = _OFFSET.match(offset.strip().lower())
    if not match:
        raise ValueError(
            f'Reminder "{offset}" is not an offset like "0m", "15m", "1h", "1d" or "1w"'
        )
    delta = timedelta(seconds=int(match.group(1)) * _UNIT[match.group(2)])
    if delta > MAX_OFFSET:
        raise ValueError(f'Reminder "{offset}" is more than 4 weeks before the due time')
    return delta


def normalize_offsets(offsets: list[str]) -> list[str]:
    """Validated, canonical ('60m' stays '60m'), duplicates removed, earliest reminder first."""
    if len(offsets) > MAX_REMINDERS:
        raise ValueError(f"At most {MAX_REMINDERS} reminders per task")
    seen: dict[timedelta, str] = {}
    for raw in offsets:
        delta = parse_offset(raw)
        seen.setdefault(delta, raw.strip().lower())
    return [seen[d] for d in sorted(seen, reverse=True)]


_UPSERT = text(
    """
    INSERT INTO reminders (reminder_id, task_id, user_id, scheduled_time, "offset",
                           reminder_type, status, job_name)
    VALUES (:rid, :task_id, :user_id, :at, :offset, 'all', 'pending', :job)
    ON CONFLICT (job_name) DO UPDATE
        SET scheduled_time = EXCLUDED.scheduled_time, status = 'pending', fired_at = NULL
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
