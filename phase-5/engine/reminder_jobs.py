"""A reminder job fired: publish v1.reminder.due to `alerts` (key user_id) and mark the
reminder. The CloudEvent id is the reminder id, so a job delivered twice is one event to
the notification service. A reminder for a task no longer pending is cancelled instead."""

import logging
from datetime import UTC, datetime
from enum import StrEnum

from opentelemetry.trace import SpanKind

from contracts.events import ReminderDue, Topic, cloud_event
from contracts.status import ReminderStatus, TaskStatus
from engine import metrics
from engine.reactions import Engine
from infra import tracing
from storage.db import transaction
from storage.reminders import cancel_reminder, lock_reminder_of_job, mark_fired

log = logging.getLogger(__name__)


class JobOutcome(StrEnum):
    PUBLISHED = "published"  # v1.reminder.due is on `alerts`, the reminder marked fired
    CANCELLED = "cancelled"  # the task or reminder is no longer pending: nothing to say
    UNKNOWN = "unknown"  # no reminder has this job name (deleted with its task)


async def fire(engine: Engine, job_name: str) -> JobOutcome:
    async with transaction(engine.sessions) as session:
        row = await lock_reminder_of_job(session, job_name)
        if row is None:
            return JobOutcome.UNKNOWN
        if row.status != ReminderStatus.PENDING or row.task_status != TaskStatus.PENDING:
            await cancel_reminder(session, row.reminder_id)
            return JobOutcome.CANCELLED
        if row.due_date is None:  # reminders are only written for tasks with a due time
            await cancel_reminder(session, row.reminder_id)
            return JobOutcome.CANCELLED
        due = ReminderDue(
            reminder_id=row.reminder_id,
            task_id=row.task_id,
            user_id=row.user_id,
            series_id=row.series_id,
            title=row.title,
            description=row.description,
            due_at=row.due_date,
            scheduled_time=row.scheduled_time,
            offset=row.offset,
            timezone=row.timezone,
        )
        # The job fires outside any request: continue the trace that wrote the reminder.
        with tracing.span_from(
            "publish reminder.due", row.traceparent, SpanKind.PRODUCER, job=job_name
        ):
            event = cloud_event(
                due,
                source="recurring-task-service",
                event_id=row.reminder_id,
                traceparent=tracing.current_traceparent(),
            )
            # Publish inside the transaction: if it fails, nothing is marked and the job's
            # failure policy (3 retries, 5 s) delivers it again.
            await engine.sidecar.publish(str(Topic.ALERTS), event, row.user_id)
        fired = datetime.now(UTC)
        await mark_fired(session, row.reminder_id, fired)
    metrics.REMINDER_LATENESS.observe(max(0.0, (fired - row.scheduled_time).total_seconds()))
    return JobOutcome.PUBLISHED
