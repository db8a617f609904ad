"""Idempotent consumers: claim an event id in the same transaction as the handler's effect.
A redelivered event finds its id taken and the handler does nothing."""

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

_CLAIM = text(
    """
    INSERT INTO processed_events (event_id, consumer, event_type)
    VALUES (:event_id, :consumer, :event_type)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)


async def claim(
    session: AsyncSession, event_id: str, consumer: str, event_type: str | None
) -> bool:
    """True the first time this consumer sees `event_id`; False for every redelivery."""
    result = await session.execute(
        _CLAIM, {"event_id": event_id, "consumer": consumer, "event_type": event_type}
    )
    return result.first() is not None


async def seen(session: AsyncSession, event_id: str, consumer: str) -> bool:
    """True if this consumer has recorded `event_id` already."""
    row = await session.execute(
        text("SELECT 1 FROM processed_events WHERE event_id = :e AND consumer = :c"),
        {"e": event_id, "c": consumer},
    )
    return row.first() is not None
