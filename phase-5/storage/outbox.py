"""Writing events: an outbox row joins the caller's transaction, so the change and the event
commit together or not at all. The relay in todo-api (api/outbox_relay.py) publishes every
committed row, whichever service wrote it."""

import uuid
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import TOPIC_OF, EventData, cloud_event
from storage.tables import OutboxRow
from storage.trace_context import current_traceparent


def add_event(
    session: AsyncSession,
    data: EventData,
    *,
    source: str = "todo-api",
    event_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Queues `data` as a CloudEvent on its type's topic, keyed by its user."""
    event_id = event_id or uuid.uuid4()
    # The writer's trace goes with the row and the event: the relay's publish and every
    # consumer's reaction join it (one user action, one trace).
    traceparent = current_traceparent()
    payload = cloud_event(
        data, source=source, event_id=event_id, time=datetime.now(UTC), traceparent=traceparent
    )
    session.add(
        OutboxRow(
            event_id=event_id,
            topic=str(TOPIC_OF[data.TYPE]),
            event_type=str(data.TYPE),
            partition_key=data.user_id,
            payload=payload,
            traceparent=traceparent,
        )
    )
    return event_id
