"""recurring-task-service entry point: `uvicorn workflows.service:app`.

Hosts the Dapr WorkflowRuntime (series workflows and activities), consumes task events
through Dapr pub/sub and receives Dapr Jobs callbacks. Connections are built in the lifespan."""

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
from infra.messaging import CONSUMER_JOBS, CONSUMER_TASK_EVENTS, DEAD_LETTER, Topic
from infra.settings import get_settings
from infra.sidecar import Sidecar
from storage.db import make_engine, make_sessions, transaction
from storage.processed import claim
from workflows.registry import build_runtime

log = logging.getLogger("recurring-task-service")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    jlog.configure(settings.log_level, settings.app_id)
    sidecar = Sidecar(settings)
    await sidecar.wait_ready()
    db_url = await sidecar.read_secret(settings.database_url_secret)
    engine = make_engine(db_url, settings.db_pool_size)
    app.state.sessions = make_sessions(engine)
    app.state.sidecar = sidecar
    wf_runtime = build_runtime(settings.dapr_host, settings.dapr_grpc_port)
    wf_runtime.start()
    log.info("workflow runtime started")
    try:
        yield
    finally:
        wf_runtime.shutdown()
        await engine.dispose()
        await sidecar.aclose()


app = FastAPI(title="recurring-task-service", lifespan=lifespan)
dapr_app = DaprApp(app)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _consume(request: Request, raw: dict[str, Any], consumer: str) -> JSONResponse:
    try:
        event = IncomingEvent.model_validate(raw)
    except ValidationError as exc:
        # Poison: answer with an error so Dapr retries per the resiliency policy and then
        # parks it in the dead-letter topic, where a person can look at it.
        log.error("malformed event", extra={"fields": {"errors": exc.errors()[:3]}})
        return JSONResponse({"status": "RETRY", "error": "malformed event"}, 500)
    jlog.bind(event_id=event.id, user_id=event.user_id)
    async with transaction(request.app.state.sessions) as session:
        first = await claim(session, event.id, consumer, event.type)
    log.info(
        "event consumed" if first else "duplicate event ignored",
        extra={"fields": {"type": event.type}},
    )
    return JSONResponse({"status": "SUCCESS"})


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.TASK_OPERATIONS),
    route="/events/task-operations",
    dead_letter_topic=str(DEAD_LETTER[Topic.TASK_OPERATIONS]),
)
async def on_task_operation(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    return await _consume(request, event, CONSUMER_TASK_EVENTS)


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.TASK_MODIFICATIONS),
    route="/events/task-modifications",
    dead_letter_topic=str(DEAD_LETTER[Topic.TASK_MODIFICATIONS]),
)
async def on_task_modification(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    return await _consume(request, event, CONSUMER_TASK_EVENTS)


@app.post("/job/{name}")
async def on_job(name: str, request: Request) -> dict[str, str]:
    """Dapr Jobs callback. The job name is the idempotency key: a redelivery is a no-op."""
    async with transaction(request.app.state.sessions) as session:
        first = await claim(session, f"job:{name}", CONSUMER_JOBS, "job")
    log.info(
        "job delivered" if first else "duplicate job delivery", extra={"fields": {"job": name}}
    )
    return {"status": "ok"}
