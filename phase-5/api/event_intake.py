"""todo-api's Dapr subscription: task and series events from Kafka into each user's stream
log (storage/user_events.py). Consumer group `todo-api` (the pub/sub component's default:
the app id), so each message reaches one replica, and the NOTIFY it commits reaches the
streams on every replica.

Idempotent by CloudEvent id: the `user_events.event_id` unique key is written in the same
transaction as the event itself (a redelivery is acknowledged and changes nothing).
At-least-once in: a database error answers 500, so Dapr retries (resiliency policy) and
then parks the message in the topic's dead-letter topic; a process killed mid-way never
acknowledged, so Kafka redelivers.

These routes are for the sidecar only: they are not in the OpenAPI document, the ingress
routes only /api, and a caller that is not on the pod's loopback (where daprd calls from)
is answered 404, so no client can write into someone's stream."""

import ipaddress
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from api.deps import RuntimeDep
from api.errors import error_body
from api.event_stream import STREAMED_TYPES, occurred_at, stream_event
from contracts.events import DEAD_LETTER, IncomingEvent, PoisonMessage, Topic
from infra import consumer_metrics
from infra import logging as jlog
from storage import user_events

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
STREAMED_TOPICS = (Topic.TASK_OPERATIONS, Topic.TASK_MODIFICATIONS)
ROUTE_PREFIX = "/dapr/events/"
_SUCCESS = {"status": "SUCCESS"}


def _from_sidecar(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/dapr/subscribe")
async def dapr_subscriptions(runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Programmatic subscriptions, read by daprd when it connects to the app."""
    return [
        {
            "pubsubname": runtime.settings.pubsub_name,
            "topic": str(topic),
            "route": f"{ROUTE_PREFIX}{topic}",
            "deadLetterTopic": str(DEAD_LETTER[topic]),
        }
        for topic in STREAMED_TOPICS
    ]


@router.post(ROUTE_PREFIX + "{topic}")
async def intake(topic: str, request: Request, runtime: RuntimeDep) -> JSONResponse:
    if not _from_sidecar(request) or topic not in {str(t) for t in STREAMED_TOPICS}:
        return JSONResponse(error_body("not_found", "Not Found"), 404)
    try:
        raw = await request.json()
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        log.error("stream intake: body is not a CloudEvent object")
        return JSONResponse(_SUCCESS)
    response = await _take(raw, runtime)
    consumer_metrics.observe(raw, response)
    return response


async def _take(raw: dict[str, Any], runtime: RuntimeDep) -> JSONResponse:
    try:
        event = IncomingEvent.model_validate(raw)
        payload = event.payload() if event.type in STREAMED_TYPES else None
    except (ValidationError, PoisonMessage) as exc:
        # The engine's subscription parks the same message in the dead-letter topic; a
        # second copy there would only confuse whoever looks at it.
        log.error("stream intake: malformed event skipped", extra={"fields": {"error": str(exc)}})
        return JSONResponse(_SUCCESS)
    if payload is None or event.user_id is None:
        return JSONResponse(_SUCCESS)  # not a life-cycle event: nothing to stream
    jlog.bind(event_id=event.id, user_id=event.user_id)
    now = datetime.now(UTC)
    when = occurred_at(raw.get("time"), now)
    if when < now - runtime.settings.event_stream_retention:
        # Older than what the stream keeps: a redelivery of a pruned event must not return.
        log.info("stream intake: event older than retention skipped")
        return JSONResponse(_SUCCESS)
    view = stream_event(event, payload, when)
    if view is None:
        return JSONResponse(_SUCCESS)
    try:
        async with runtime.engine.connect() as conn:
            trans = await conn.begin()
            seq = await user_events.append(
                conn,
                user_id=event.user_id,
                event_id=event.id,
                event_type=event.type,
                occurred_at=when,
                data_json=view.model_dump_json(),
            )
            if seq is None:
                await trans.rollback()
                log.info("stream intake: duplicate event ignored")
            else:
                await trans.commit()
    except (DBAPIError, OSError) as exc:
        log.warning("stream intake failed; Dapr will retry", extra={"fields": {"error": str(exc)}})
        return JSONResponse({"status": "RETRY"}, 500)
    return JSONResponse(_SUCCESS)
