"""GET /api/v1/me/events: the signed-in user's own events, live, as Server-Sent Events.

Opening: `retry:`; then, if the client sent a resume point, every event after it in order
(each exactly once), then `stream.ready` whose id is the cursor; or `stream.reset` when
the point cannot be resumed from (refetch, then keep reading). After that, each event as
it commits, and a `: ping` comment after 15 s of quiet (FastAPI's SSE keep-alive). The
stream ends when the token expires (reconnect with a fresh token and Last-Event-ID) or the
server stops. Everything a failed opening answers (401, 422, 429, 503) is a JSON error
before any byte of the stream."""

import json
from collections.abc import AsyncIterator
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Header, Query
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.sse import EventSourceResponse, ServerSentEvent

from api.contract import responses
from api.deps import CurrentUser, RuntimeDep, bearer
from api.errors import TooManyRequests, Unavailable
from api.event_hub import HubClosed, Subscription, TooManyStreams
from api.event_stream import (
    READY,
    RESET,
    StreamEvent,
    StreamReady,
    StreamReset,
    reset_for,
    resume_point,
)
from api.routes import API_V1
from storage import user_events
from storage.user_events import StoredEvent

router = APIRouter(prefix=API_V1, tags=["events"])
PAGE = 500
# Schemas of the messages' `data`, added to the OpenAPI components (api/contract.py).
STREAM_MODELS = (StreamEvent, StreamReady, StreamReset)


def _ref(model: type) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


_ITEM_SCHEMA = {
    "type": "object",
    "description": "one SSE message; `data` is JSON, its schema chosen by `event`",
    "properties": {
        "id": {"type": "string", "description": "opaque, increasing; send back to resume"},
        "event": {
            "type": "string",
            "examples": ["v1.task.created", "v1.series.updated", READY, RESET],
        },
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"oneOf": [_ref(StreamEvent), _ref(StreamReady), _ref(StreamReset)]},
        },
        "retry": {"type": "integer", "minimum": 0, "description": "reconnect delay, ms"},
    },
}


async def _resume(
    last_event_id_header: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=40,
            description="resume after this id (the `id:` of the last message received)",
        ),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Query(max_length=40, description="the same, for clients that cannot set headers"),
    ] = None,
) -> int | None:
    return resume_point(last_event_id_header, last_event_id)


async def _expires_at(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> float:
    """The token's `exp`: CurrentUser has verified the token already."""
    token = credentials.credentials if credentials else ""
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims["exp"])


async def _attach(runtime: RuntimeDep, user_id: CurrentUser) -> AsyncIterator[Subscription]:
    try:
        sub = runtime.hub.attach(user_id)
    except TooManyStreams as exc:
        limit = runtime.hub.max_per_user
        raise TooManyRequests(
            f"At most {limit} event streams per user are open at once; close one first.",
            {"limit": limit},
        ) from exc
    except HubClosed as exc:
        raise Unavailable("The server is stopping; reconnect in a moment.") from exc
    try:
        yield sub
    finally:
        sub.release()


def _message(row: StoredEvent) -> ServerSentEvent:
    return ServerSentEvent(
        id=str(row.seq),
        event=row.event_type,
        raw_data=json.dumps(row.data, separators=(",", ":")),
    )


async def _after(runtime: RuntimeDep, user_id: str, cursor: int) -> AsyncIterator[StoredEvent]:
    """Every stored event after `cursor`, in order, a page per short-lived connection."""
    while True:
        async with runtime.engine.connect() as conn:
            rows = await user_events.read_after(conn, user_id, cursor, PAGE)
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        cursor = rows[-1].seq


@router.get(
    "/me/events",
    response_class=EventSourceResponse,
    response_description=(
        "`text/event-stream`. Messages: `id` (opaque, increasing), `event` (the CloudEvent "
        "type: v1.task.created|updated|completed|deleted, v1.series.created|updated|"
        "deleted; or stream.ready / stream.reset), `data` (JSON: StreamEvent, StreamReady "
        "or StreamReset)."
    ),
    responses=responses(429, 503),
    openapi_extra={
        "responses": {"200": {"content": {"text/event-stream": {"itemSchema": _ITEM_SCHEMA}}}}
    },
)
async def stream_events(
    user_id: CurrentUser,
    runtime: RuntimeDep,
    start: Annotated[int | None, Depends(_resume)],
    expires_at: Annotated[float, Depends(_expires_at)],
    sub: Annotated[Subscription, Depends(_attach)],
) -> AsyncIterator[ServerSentEvent]:
    """Live stream of the user's own task and series events (Server-Sent Events).

    Resumable: send the last `id` received as `Last-Event-ID` (or `?last_event_id=`) and
    every event after it is replayed once, then `stream.ready`. An id that was never
    sent, or older than the retention (72 h by default), gets `stream.reset` instead:
    refetch what you show, then keep reading. Without an id the stream starts live with
    `stream.ready`. The stream ends when the token expires: reconnect with a fresh one."""
    yield ServerSentEvent(retry=runtime.settings.event_stream_retry_ms)
    async with runtime.engine.connect() as conn:
        head = await user_events.head(conn, user_id)
        first = [] if start is None else await user_events.read_after(conn, user_id, start, 1)
    reset = None if start is None else reset_for(start, head, first[0].seq if first else None)
    if reset is not None:
        cursor = head
        yield ServerSentEvent(id=str(cursor), event=RESET, data=reset)
    else:
        cursor, replayed = (head, 0) if start is None else (start, 0)
        if start is not None:
            async for row in _after(runtime, user_id, start):
                yield _message(row)
                cursor, replayed = row.seq, replayed + 1
        ready = StreamReady(last_event_id=str(cursor), replayed=replayed)
        yield ServerSentEvent(id=str(cursor), event=READY, data=ready)
    while await sub.wait(expires_at):
        async for row in _after(runtime, user_id, cursor):
            yield _message(row)
            cursor = row.seq
