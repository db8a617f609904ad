"""Writing events: an outbox row joins the caller's transaction, so the change and the event
commit together or not at all. The relay in todo-api (api/outbox_relay.py) publishes every
committed row, whichever service wrote it."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import TOPIC_OF, EventType, cloud_event
from storage.tables import OutboxRow


def add_event(
    session: AsyncSession,
    event_type: EventType,
    user_id: str,
    data: dict[str, Any],
    *,
    source: str = "todo-api",
    event_id: uuid.UUID | None = None,
) -> uuid.UUID:
    event_id = event_id or uuid.uuid4()
    payload = cloud_event(
        event_type,
        {**data, "user_id": user_id},
        source=source,
        event_id=event_id,
        time=datetime.now(UTC),
    )
    session.add(
        OutboxRow(
            event_id=event_id,
            topic=str(TOPIC_OF[event_type]),
            event_type=str(event_type),
            partition_key=user_id,
            payload=payload,
        )
    )
    return event_id
