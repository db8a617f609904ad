"""Which events a consumer has handled (`processed_events`, keyed by event id and consumer).

The engine's effects are calls to Dapr (start a workflow, raise a wake-up, schedule or
delete a job): idempotent by themselves, and no database transaction can hold them. So it
records the id AFTER the effect, in a transaction of its own: a crash in between repeats
only idempotent effects, and a redelivery after the record is skipped without repeating
them."""

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
