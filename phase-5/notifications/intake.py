"""Accepting a `v1.reminder.due` event: one short transaction that decides, from the rows
(the truth), whether the reminder is delivered, and writes one delivery row per channel.

No message goes out here; the handler answers Dapr as soon as this commits and the worker
sends. The delivery rows' primary key (reminder_id, channel) makes a redelivered event, or
the same event on two replicas, a no-op: no `processed_events` row is needed, and none is
wanted, because a reminder the engine re-activates keeps its id (see `accept`)."""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import ReminderDue
from contracts.status import ReminderStatus, TaskStatus
from notifications.deliveries import Channel, Status, settle_reminder
from storage.trace_context import current_traceparent

log = logging.getLogger(__name__)

# The event's scheduled_time must match the reminders row: a different one is an event of
# an earlier schedule of the same reminder (the engine rescheduled it), not a due reminder.
STALE_TOLERANCE = timedelta(seconds=1)


class Intake(StrEnum):
    QUEUED = "queued"  # delivery rows written (or revived), the worker sends
    CANCELLED = "cancelled"  # task not pending / reminder cancelled: recorded, never sent
    NO_CHANNEL = "no_channel"  # nothing registered: reminder recorded cancelled
    DUPLICATE = "duplicate"  # this reminder was handled already
    STALE = "stale"  # event of a superseded schedule


@dataclass(frozen=True)
class IntakeResult:
    outcome: Intake
    channels: tuple[Channel, ...] = ()
    # Rows newly recorded as cancelled, for the deliveries metric.
    cancelled: tuple[Channel, ...] = ()


_REMINDER = text(
    "SELECT status, scheduled_time, user_id, task_id FROM reminders "
    "WHERE reminder_id = :rid FOR UPDATE"
)
_TASK = text("SELECT status FROM tasks WHERE task_id = :tid")
_CHANNELS = text(
    """
    SELECT EXISTS (SELECT 1 FROM notification_emails WHERE user_id = :u) AS email,
           EXISTS (SELECT 1 FROM push_subscriptions WHERE user_id = :u) AS push
    """
)
# A 'cancelled' row comes back to life only when the truth now says deliver: the engine
# re-activated the reminder (same reminder_id, new scheduled_time).
_UPSERT = text(
    """
    INSERT INTO notification_deliveries
        (reminder_id, channel, user_id, task_id, status, attempts, scheduled_time,
         next_attempt_at, reminder, traceparent)
    VALUES (:rid, :ch, :u, :tid, CAST(:status AS varchar), 0, :sched,
            CASE WHEN CAST(:status AS varchar) = 'pending' THEN now() END, CAST(:reminder AS jsonb),
            :tp)
    ON CONFLICT (reminder_id, channel) DO UPDATE
        SET status = 'pending', attempts = 0, next_attempt_at = now(),
            scheduled_time = EXCLUDED.scheduled_time, reminder = EXCLUDED.reminder,
            last_error = NULL, delivered_to = '[]'::jsonb, claimed_by = NULL,
            claimed_at = NULL, sent_at = NULL, dead_lettered_at = NULL, updated_at = now(),
            traceparent = EXCLUDED.traceparent
        WHERE notification_deliveries.status = 'cancelled' AND EXCLUDED.status = 'pending'
    RETURNING channel
    """
)
_CANCEL_REMINDER = text(
    "UPDATE reminders SET status = 'cancelled' WHERE reminder_id = :rid AND status = 'pending'"
)


async def accept(session: AsyncSession, due: ReminderDue) -> IntakeResult:
    row = (await session.execute(_REMINDER, {"rid": due.reminder_id})).first()
    user_id, task_id = due.user_id, due.task_id
    if row is not None:
        if row.user_id != due.user_id or row.task_id != due.task_id:
            log.warning("event disagrees with the reminders row; the row wins")
            user_id, task_id = row.user_id, row.task_id
        if abs(row.scheduled_time - due.scheduled_time) > STALE_TOLERANCE:
            return IntakeResult(Intake.STALE)
        if row.status in (ReminderStatus.SENT, ReminderStatus.FAILED):
            return IntakeResult(Intake.DUPLICATE)
    else:
        log.warning("no reminders row for this event; delivering from the event alone")
    task_status = (await session.execute(_TASK, {"tid": task_id})).scalar()
    deliverable = task_status == TaskStatus.PENDING and (
        row is None or row.status == ReminderStatus.PENDING
    )

    flags = (await session.execute(_CHANNELS, {"u": user_id})).one()
    channels = tuple(
        c for c, on in ((Channel.EMAIL, flags.email), (Channel.PUSH, flags.push)) if on
    )
    if not channels:
        await session.execute(_CANCEL_REMINDER, {"rid": due.reminder_id})
        return IntakeResult(Intake.NO_CHANNEL if deliverable else Intake.CANCELLED)

    status = Status.PENDING if deliverable else Status.CANCELLED
    data = due.model_dump(mode="json") | {"user_id": user_id, "task_id": str(task_id)}
    written: list[Channel] = []
    for channel in channels:
        result = await session.execute(
            _UPSERT,
            {
                "rid": due.reminder_id,
                "ch": channel.value,
                "u": user_id,
                "tid": task_id,
                "status": status.value,
                "sched": due.scheduled_time,
                "reminder": json.dumps(data),
                # The worker sends later: its attempt joins the reminder's trace.
                "tp": current_traceparent(),
            },
        )
        if result.first() is not None:
            written.append(channel)
    if not deliverable:
        await settle_reminder(session, due.reminder_id)
        return IntakeResult(Intake.CANCELLED, channels, tuple(written))
    return IntakeResult(Intake.QUEUED if written else Intake.DUPLICATE, tuple(written))


_DELIVERABLE = text(
    """
    SELECT (SELECT status FROM tasks WHERE task_id = :tid) AS task_status,
           (SELECT status FROM reminders WHERE reminder_id = :rid) AS reminder_status
    """
)


async def still_deliverable(
    session: AsyncSession, reminder_id: uuid.UUID, task_id: uuid.UUID
) -> bool:
    """Checked before every attempt: completing or deleting the task, or the engine
    cancelling the reminder, stops retries that have not gone out yet."""
    row = (await session.execute(_DELIVERABLE, {"tid": task_id, "rid": reminder_id})).one()
    return row.task_status == TaskStatus.PENDING and row.reminder_status in (
        None,
        ReminderStatus.PENDING,
        ReminderStatus.SENT,
    )
