"""A reminder job fired: publish v1.reminder.due to `alerts` (key user_id) and mark the
reminder. The CloudEvent id is the reminder id, so a job delivered twice is one event to
the notification service. A reminder for a task no longer pending is cancelled instead."""

import logging
from datetime import UTC, datetime

from sqlalchemy import text

from infra.messaging import EventType, Topic, cloud_event
from storage.db import transaction
from workflows.reactions import Engine

log = logging.getLogger(__name__)

_LOOKUP = text(
    """
    SELECT r.reminder_id, r.task_id, r.user_id, r.scheduled_time, r.status, r."offset",
           t.title, t.description, t.due_date, t.status AS task_status, t.series_id,
           COALESCE(s.timezone, 'UTC') AS timezone
    FROM reminders r JOIN tasks t ON t.task_id = r.task_id
    LEFT JOIN recurring_series s ON s.series_id = t.series_id
    WHERE r.job_name = :job FOR UPDATE OF r
    """
)


async def fire(engine: Engine, job_name: str) -> str:
    async with transaction(engine.sessions) as session:
        row = (await session.execute(_LOOKUP, {"job": job_name})).first()
        if row is None:
            return "unknown"
        if row.status != "pending" or row.task_status != "pending":
            await session.execute(
                text(
                    "UPDATE reminders SET status = 'cancelled' "
                    "WHERE reminder_id = :r AND status = 'pending'"
                ),
                {"r": row.reminder_id},
            )
            return "cancelled"
        event = cloud_event(
            EventType.REMINDER_DUE,
            {
                "reminder_id": str(row.reminder_id),
                "task_id": str(row.task_id),
                "user_id": row.user_id,
                "series_id": str(row.series_id) if row.series_id else None,
                "title": row.title,
                "description": row.description,
                "due_at": row.due_date.isoformat() if row.due_date else None,
                "scheduled_time": row.scheduled_time.isoformat(),
                "offset": row.offset,
                "timezone": row.timezone,
            },
            source="recurring-task-service",
            event_id=row.reminder_id,
        )
        # Publish inside the transaction: if it fails, nothing is marked and the job's
        # failure policy (3 retries, 5 s) delivers it again.
        await engine.sidecar.publish(str(Topic.ALERTS), event, row.user_id)
        await session.execute(
            text("UPDATE reminders SET fired_at = :now WHERE reminder_id = :r"),
            {"now": datetime.now(UTC), "r": row.reminder_id},
        )
    return "published"
