"""The delivery table's queries: create, claim, record an outcome, settle the reminder.

Claiming is `FOR UPDATE SKIP LOCKED` plus a lease, so replicas and restarted processes
share the work without sending twice; every outcome is fenced on (claimed_by, attempts), so
a worker whose lease was taken over cannot overwrite what the new owner recorded."""

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.push_channel import PushTarget


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    GONE = "gone"


TERMINAL = {Status.SENT, Status.FAILED, Status.CANCELLED, Status.GONE}


@dataclass(frozen=True)
class Claim:
    reminder_id: uuid.UUID
    channel: Channel
    user_id: str
    task_id: uuid.UUID
    attempts: int  # including the one this claim is for; the fencing token
    scheduled_time: datetime
    reminder: dict[str, Any]
    delivered_to: list[str]
    last_error: str | None
    # Set when this claim takes over an expired lease: the worker that held it stopped
    # (crash, kill, partition) or overran; whatever it was sending goes out again.
    taken_over_from: str | None = None
    traceparent: str | None = None
    # When this process took the claim (monotonic clock): its lease runs from about then.
    claimed_at: float = field(default_factory=time.monotonic)


_CLAIM = text(
    """
    WITH due AS (
        SELECT reminder_id, channel, status AS was, claimed_by AS owner
        FROM notification_deliveries
        WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE notification_deliveries d
    SET status = 'sending', attempts = d.attempts + 1, claimed_by = :me, claimed_at = now(),
        next_attempt_at = now() + make_interval(secs => :lease), updated_at = now()
    FROM due WHERE d.reminder_id = due.reminder_id AND d.channel = due.channel
    RETURNING d.reminder_id, d.channel, d.user_id, d.task_id, d.attempts, d.scheduled_time,
              d.reminder, d.delivered_to, d.last_error, d.traceparent, due.was, due.owner
    """
)

_NEXT_DUE = text(
    """
    SELECT EXTRACT(EPOCH FROM min(next_attempt_at) - now()) FROM notification_deliveries
    WHERE status IN ('pending', 'sending')
    """
)

_FENCE = "reminder_id = :rid AND channel = :ch AND claimed_by = :me AND attempts = :n"

_RETRY = text(
    f"""
    UPDATE notification_deliveries
    SET status = 'pending', next_attempt_at = now() + make_interval(secs => :delay),
        attempts = GREATEST(attempts, :floor), last_error = :err,
        delivered_to = CAST(:done AS jsonb), updated_at = now()
    WHERE {_FENCE} AND status = 'sending'
    """
)

_FINISH = text(
    f"""
    UPDATE notification_deliveries
    SET status = CAST(:status AS varchar), next_attempt_at = NULL, last_error = :err,
        delivered_to = CAST(:done AS jsonb),
        sent_at = CASE WHEN CAST(:status AS varchar) = 'sent' THEN now() END,
        dead_lettered_at = CASE WHEN CAST(:status AS varchar) = 'failed' THEN now() END,
        updated_at = now()
    WHERE {_FENCE} AND status = 'sending'
    RETURNING sent_at
    """
)

_LOCK_REMINDER = text("SELECT 1 FROM reminders WHERE reminder_id = :rid FOR UPDATE")

_SETTLE_READ = text("SELECT status, sent_at FROM notification_deliveries WHERE reminder_id = :rid")

# Never moves a reminder out of 'sent': 'sent' also wins over the engine's late
# 'cancelled', because the message did go out. Channels settle in their own transactions,
# so a channel that delivered first may commit last: sent_at only ever moves earlier
# (LEAST ignores NULL), keeping it the first delivery's time.
_SETTLE_WRITE = text(
    """
    UPDATE reminders SET status = CAST(:status AS varchar), sent_at = LEAST(sent_at, :sent_at)
    WHERE reminder_id = :rid
      AND (status <> 'sent'
           OR (CAST(:status AS varchar) = 'sent' AND (sent_at IS NULL OR sent_at > :sent_at)))
    """
)


async def claim_due(
    session: AsyncSession, limit: int, lease_seconds: float, me: str
) -> list[Claim]:
    rows = await session.execute(_CLAIM, {"limit": limit, "lease": lease_seconds, "me": me})
    return [
        Claim(
            reminder_id=r.reminder_id,
            channel=Channel(r.channel),
            user_id=r.user_id,
            task_id=r.task_id,
            attempts=r.attempts,
            scheduled_time=r.scheduled_time,
            reminder=r.reminder,
            delivered_to=list(r.delivered_to or []),
            last_error=r.last_error,
            taken_over_from=r.owner if r.was == Status.SENDING else None,
            traceparent=r.traceparent,
        )
        for r in rows
    ]


async def seconds_until_next(session: AsyncSession) -> float | None:
    value = (await session.execute(_NEXT_DUE)).scalar()
    return None if value is None else float(value)


def _fence(claim: Claim, me: str) -> dict[str, Any]:
    return {"rid": claim.reminder_id, "ch": claim.channel.value, "me": me, "n": claim.attempts}


async def retry_later(
    session: AsyncSession,
    claim: Claim,
    me: str,
    *,
    delay: float,
    error: str,
    delivered_to: list[str],
    attempts_floor: int = 0,
) -> bool:
    """Back to 'pending' after `delay`; `attempts_floor` lets a delivery whose dead-letter
    publication failed come back only to be dead-lettered. False if the lease was lost."""
    result = await session.execute(
        _RETRY,
        {
            **_fence(claim, me),
            "delay": delay,
            "err": error[:2000],
            "done": json.dumps(delivered_to),
            "floor": attempts_floor,
        },
    )
    return bool(getattr(result, "rowcount", 0))


async def finish(
    session: AsyncSession,
    claim: Claim,
    me: str,
    status: Status,
    *,
    error: str | None = None,
    delivered_to: list[str] | None = None,
) -> datetime | bool | None:
    """Records a terminal outcome and settles the reminder in the same transaction.
    Returns the row's sent_at (None unless sent), or False if the lease was lost.

    Locks the reminder before the delivery row, the order intake.accept uses too, so the
    two never deadlock."""
    await session.execute(_LOCK_REMINDER, {"rid": claim.reminder_id})
    row = (
        await session.execute(
            _FINISH,
            {
                **_fence(claim, me),
                "status": status.value,
                "err": error[:2000] if error else None,
                "done": json.dumps(
                    delivered_to if delivered_to is not None else claim.delivered_to
                ),
            },
        )
    ).first()
    if row is None:
        return False
    await settle_reminder(session, claim.reminder_id)
    sent_at: datetime | None = row.sent_at
    return sent_at


async def settle_reminder(session: AsyncSession, reminder_id: uuid.UUID) -> None:
    """reminders.status from its deliveries: 'sent' as soon as one channel delivered
    (sent_at = the first delivery), else once every channel is done: 'cancelled' if all were
    cancelled, 'failed' otherwise. Missing reminder rows are left alone."""
    rows = (await session.execute(_SETTLE_READ, {"rid": reminder_id})).all()
    statuses = [Status(r.status) for r in rows]
    sent = [r.sent_at for r in rows if r.status == Status.SENT and r.sent_at is not None]
    if sent:
        status, sent_at = Status.SENT, min(sent)
    elif statuses and all(s in TERMINAL for s in statuses):
        all_cancelled = all(s == Status.CANCELLED for s in statuses)
        status, sent_at = (Status.CANCELLED if all_cancelled else Status.FAILED), None
    else:
        return
    await session.execute(
        _SETTLE_WRITE, {"rid": reminder_id, "status": status.value, "sent_at": sent_at}
    )


async def email_of(session: AsyncSession, user_id: str) -> str | None:
    row = (
        await session.execute(
            text("SELECT address FROM notification_emails WHERE user_id = :u"), {"u": user_id}
        )
    ).first()
    return None if row is None else str(row.address)


async def push_targets(session: AsyncSession, user_id: str) -> list[PushTarget]:
    rows = await session.execute(
        text(
            "SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = :u "
            "ORDER BY created_at, subscription_id"
        ),
        {"u": user_id},
    )
    return [PushTarget(r.endpoint, r.p256dh, r.auth) for r in rows]


async def remove_push_target(session: AsyncSession, user_id: str, endpoint: str) -> None:
    await session.execute(
        text("DELETE FROM push_subscriptions WHERE user_id = :u AND endpoint = :e"),
        {"u": user_id, "e": endpoint},
    )
