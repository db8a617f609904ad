"""recurring-task-service entry point: `uvicorn workflows.service:app`.

Hosts the Dapr WorkflowRuntime (series workflows and their activities), reacts to task
and series events from Dapr pub/sub, and receives Dapr Jobs callbacks for reminders.
Connections are built in the lifespan, never at import time."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from dapr.ext.fastapi import DaprApp
from dapr.ext.workflow.aio import DaprWorkflowClient
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import text

from activities import resources as activity_resources
from infra import logging as jlog
from infra.bootstrap import service_base
from infra.events_in import IncomingEvent, PoisonMessage
from infra.messaging import CONSUMER_JOBS, CONSUMER_TASK_EVENTS, DEAD_LETTER, Topic
from infra.settings import get_settings
from storage.db import make_sessions, transaction
from storage.processed import claim
from workflows import reminder_jobs
from workflows.reactions import Engine, ensure_workflow, has_effect, react
from workflows.registry import build_runtime

log = logging.getLogger("recurring-task-service")


async def reconcile(engine: Engine) -> None:
    """Every live series has a running workflow: repairs anything a crash left behind."""
    async with engine.sessions() as session:
        rows = (
            await session.execute(
                text("SELECT series_id FROM recurring_series WHERE status IN ('active', 'paused')")
            )
        ).all()
    started = 0
    for (series_id,) in rows:
        try:
            started += await ensure_workflow(engine, str(series_id))
        except Exception:
            log.exception(
                "reconcile failed for a series", extra={"fields": {"series_id": str(series_id)}}
            )
    log.info(
        "reconciled series workflows", extra={"fields": {"live": len(rows), "started": started}}
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    async with service_base(settings) as base:
        activity_resources.configure(settings, base.database_url)
        engine = Engine(
            make_sessions(base.engine),
            base.sidecar,
            DaprWorkflowClient(settings.dapr_host, str(settings.dapr_grpc_port)),
        )
        app.state.engine = engine
        wf_runtime = build_runtime(settings.dapr_host, settings.dapr_grpc_port)
        await asyncio.to_thread(wf_runtime.start)
        log.info("workflow runtime started")
        background = asyncio.create_task(reconcile(engine)) if settings.reconcile_on_start else None
        try:
            yield
        finally:
            if background:
                background.cancel()
                with suppress(asyncio.CancelledError):
                    await background
            await asyncio.to_thread(wf_runtime.shutdown)


app = FastAPI(title="recurring-task-service", lifespan=lifespan)
dapr_app = DaprApp(app)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _consume(request: Request, raw: dict[str, Any]) -> JSONResponse:
    engine: Engine = request.app.state.engine
    try:
        event = IncomingEvent.model_validate(raw)
    except ValidationError as exc:
        # Poison: an error answer makes Dapr retry per the resiliency policy, then park it
        # in the dead-letter topic, where a person can look at it.
        log.error("malformed event", extra={"fields": {"errors": str(exc.errors()[:3])}})
        return JSONResponse({"status": "RETRY", "error": "malformed event"}, 500)
    jlog.bind(event_id=event.id, user_id=event.user_id)
    if not has_effect(event):
        return JSONResponse({"status": "SUCCESS"})
    async with engine.sessions() as session:
        seen = (
            await session.execute(
                text("SELECT 1 FROM processed_events WHERE event_id = :e AND consumer = :c"),
                {"e": event.id, "c": CONSUMER_TASK_EVENTS},
            )
        ).first()
    if seen:
        log.info("duplicate event ignored", extra={"fields": {"type": event.type}})
        return JSONResponse({"status": "SUCCESS"})
    try:
        await react(engine, event)
    except PoisonMessage as exc:
        log.error("unprocessable event", extra={"fields": {"type": event.type, "error": str(exc)}})
        return JSONResponse({"status": "RETRY", "error": str(exc)}, 500)
    async with transaction(engine.sessions) as session:
        await claim(session, event.id, CONSUMER_TASK_EVENTS, event.type)
    log.info("event consumed", extra={"fields": {"type": event.type}})
    return JSONResponse({"status": "SUCCESS"})


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.TASK_OPERATIONS),
    route="/events/task-operations",
    dead_letter_topic=str(DEAD_LETTER[Topic.TASK_OPERATIONS]),
)
async def on_task_operation(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    return await _consume(request, event)


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.TASK_MODIFICATIONS),
    route="/events/task-modifications",
    dead_letter_topic=str(DEAD_LETTER[Topic.TASK_MODIFICATIONS]),
)
async def on_task_modification(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    return await _consume(request, event)


@app.post("/job/{name}")
async def on_job(name: str, request: Request) -> dict[str, str]:
    """Dapr Jobs callback. Reminder jobs publish v1.reminder.due; any other job name is
    recorded (the self-check job of the integration tests). Redelivery is a no-op."""
    engine: Engine = request.app.state.engine
    jlog.bind(event_id=f"job:{name}")
    if name.startswith("reminder-"):
        outcome = await reminder_jobs.fire(engine, name)
        log.info("reminder job", extra={"fields": {"job": name, "outcome": outcome}})
        return {"status": outcome}
    async with transaction(engine.sessions) as session:
        first = await claim(session, f"job:{name}", CONSUMER_JOBS, "job")
    log.info("job delivered" if first else "duplicate job", extra={"fields": {"job": name}})
    return {"status": "ok"}
