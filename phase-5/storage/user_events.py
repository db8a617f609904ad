"""Each user's event log for the live stream (`user_events`, `user_event_heads`).

Appends are ordered per user by the head row's lock: `seq` is dense (1, 2, 3, ... per user,
a duplicate rolls its bump back) and a later seq can never commit before an earlier one,
so a reader that has seen seq n and reads `seq > n` never skips a row that commits later.
The append notifies channel `user_events` with the user id in the same transaction
(delivered on commit): every API replica's listener wakes the streams of that user.

Retention: rows older than the horizon (by `received_at`, a clock read after the head lock,
so a user's rows are pruned oldest seq first) are deleted; an event that occurred before
the horizon is not appended at all, so a redelivery of a pruned event cannot come back
under a new seq."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

CHANNEL = "user_events"

_SEEN = text("SELECT 1 FROM user_events WHERE event_id = :event_id")
_BUMP = text(
    """
    INSERT INTO user_event_heads (user_id, last_seq) VALUES (:user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET last_seq = user_event_heads.last_seq + 1
    RETURNING last_seq
    """
)
_APPEND = text(
    """
    INSERT INTO user_events (user_id, seq, event_id, event_type, occurred_at, data)
    VALUES (:user_id, :seq, :event_id, :event_type, :occurred_at, CAST(:data AS json))
    ON CONFLICT (event_id) DO NOTHING
    RETURNING seq
    """
)
_NOTIFY = text("SELECT pg_notify(:channel, :user_id)")
_HEAD = text("SELECT last_seq FROM user_event_heads WHERE user_id = :user_id")
_AFTER = text(
    """
    SELECT seq, event_type, data FROM user_events
    WHERE user_id = :user_id AND seq > :after ORDER BY seq LIMIT :limit
    """
)
_PRUNE = text("DELETE FROM user_events WHERE received_at < :horizon")


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    event_type: str
    data: dict[str, Any]


async def append(
    conn: AsyncConnection,
    *,
    user_id: str,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    data_json: str,
) -> int | None:
    """Appends one event in the caller's transaction; its seq, or None for a duplicate.
    On None the caller must roll back (the head was bumped for nothing)."""
    if (await conn.execute(_SEEN, {"event_id": event_id})).first() is not None:
        return None
    seq = (await conn.execute(_BUMP, {"user_id": user_id})).scalar_one()
    inserted = await conn.execute(
        _APPEND,
        {
            "user_id": user_id,
            "seq": seq,
            "event_id": event_id,
            "event_type": event_type,
            "occurred_at": occurred_at,
            "data": data_json,
        },
    )
    if inserted.first() is None:  # a concurrent delivery of the same event won
        return None
    await conn.execute(_NOTIFY, {"channel": CHANNEL, "user_id": user_id})
    return int(seq)


async def head(conn: AsyncConnection, user_id: str) -> int:
    """The user's last seq (0 before their first event)."""
    value = (await conn.execute(_HEAD, {"user_id": user_id})).scalar()
    return int(value or 0)


async def read_after(
    conn: AsyncConnection, user_id: str, after: int, limit: int
) -> list[StoredEvent]:
    rows = await conn.execute(_AFTER, {"user_id": user_id, "after": after, "limit": limit})
    return [StoredEvent(int(r.seq), r.event_type, r.data) for r in rows]


async def prune(conn: AsyncConnection, horizon: datetime) -> int:
    result = await conn.execute(_PRUNE, {"horizon": horizon})
    return int(getattr(result, "rowcount", 0) or 0)
