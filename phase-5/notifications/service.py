"""notification-service entry point: `uvicorn notifications.service:app`."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dapr.ext.fastapi import DaprApp
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from infra import logging as jlog
from infra.events_in import IncomingEvent
from infra.messaging import CONSUMER_ALERTS, DEAD_LETTER, Topic
from infra.settings import get_settings
from infra.sidecar import Sidecar
from storage.db import make_engine, make_sessions, transaction
from storage.processed import claim

log = logging.getLogger("notification-service")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    jlog.configure(settings.log_level, settings.app_id)
    sidecar = Sidecar(settings)
    await sidecar.wait_ready()
    engine = make_engine(await sidecar.read_secret(settings.database_url_secret), 5)
    app.state.sessions = make_sessions(engine)
    try:
        yield
    finally:
        await engine.dispose()
        await sidecar.aclose()


app = FastAPI(title="notification-service", lifespan=lifespan)
dapr_app = DaprApp(app)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.ALERTS),
    route="/events/alerts",
    dead_letter_topic=str(DEAD_LETTER[Topic.ALERTS]),
)
async def on_alert(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    try:
        parsed = IncomingEvent.model_validate(event)
    except ValidationError:
        log.error("malformed alert event")
        return JSONResponse({"status": "RETRY", "error": "malformed event"}, 500)
    jlog.bind(event_id=parsed.id, user_id=parsed.user_id)
    async with transaction(request.app.state.sessions) as session:
        await claim(session, parsed.id, CONSUMER_ALERTS, parsed.type)
    return JSONResponse({"status": "SUCCESS"})
