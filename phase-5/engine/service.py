"""recurring-task-service entry point: `uvicorn engine.service:app`.

Hosts the Dapr WorkflowRuntime (series workflows and their activities), reacts to task
and series events from Dapr pub/sub, and receives Dapr Jobs callbacks for reminders.
Connections are built in the lifespan, never at import time."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from dapr.ext.fastapi import DaprApp
from dapr.ext.workflow.aio import DaprWorkflowClient
from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from activities import resources as activity_resources
from contracts.events import DEAD_LETTER, IncomingEvent, PoisonMessage, Topic
from engine import metrics as engine_metrics
from engine import reminder_jobs, reminder_sweep
from engine.reactions import CONSUMER_TASK_EVENTS, Engine, ensure_workflow, has_effect, react
from engine.runtime import build_runtime
from infra import consumer_metrics, tracing
from infra import logging as jlog
from infra.bootstrap import service_base
from infra.settings import get_settings
from storage.db import make_sessions, transaction
from storage.processed import claim, seen
from storage.series_queries import count_live_series, live_series_ids

log = logging.getLogger("recurring-task-service")


async def reconcile(engine: Engine) -> None:
    """Every live series has a running workflow: repairs anything a crash left behind."""
    async with engine.sessions() as session:
        live = await live_series_ids(session)
    started = 0
    for series_id in live:
        try:
            started += await ensure_workflow(engine, series_id)
        except Exception:
            fields = {"series_id": series_id}
            log.exception("reconcile failed for a series", extra={"fields": fields})
    log.info(
        "reconciled series workflows", extra={"fields": {"live": len(live), "started": started}}
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
        sweep = asyncio.create_task(
            reminder_sweep.run(
                engine,
                timedelta(seconds=settings.reminder_sweep_every_seconds),
                timedelta(seconds=settings.reminder_sweep_grace_seconds),
            )
        )
        try:
            yield
        finally:
            for task in (background, sweep):
                if task:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            await asyncio.to_thread(wf_runtime.shutdown)


app = FastAPI(title="recurring-task-service", lifespan=lifespan)
tracing.instrument_app(app)
dapr_app = DaprApp(app)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/metrics")
async def prometheus(request: Request) -> Response:
    """Workflow rounds and their duration (activities/metrics.py), events consumed, reminder
    jobs, and the live series (counted at scrape time: one indexed count)."""
    engine: Engine = request.app.state.engine
    async with engine.sessions() as session:
        engine_metrics.LIVE_SERIES.set(await count_live_series(session))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _consume(request: Request, raw: dict[str, Any]) -> JSONResponse:
    engine: Engine = request.app.state.engine
    try:
        event = IncomingEvent.model_validate(raw)
    except ValidationError as exc:
        # Poison: DROP makes the sidecar park it in the dead-letter topic at once, where a
        # person can look at it; retrying it would only hold up the user's partition.
        log.error("malformed event", extra={"fields": {"errors": str(exc.errors()[:3])}})
        return consumer_metrics.poison("malformed event")
    jlog.bind(event_id=event.id, user_id=event.user_id)
    try:
        payload = event.payload()
    except PoisonMessage as exc:
        log.error("unprocessable event", extra={"fields": {"type": event.type, "error": str(exc)}})
        return consumer_metrics.poison("event breaks its contract")
    if not has_effect(event, payload):
        return JSONResponse({"status": "SUCCESS"})
    async with engine.sessions() as session:
        duplicate = await seen(session, event.id, CONSUMER_TASK_EVENTS)
    if duplicate:
        log.info("duplicate event ignored", extra={"fields": {"type": event.type}})
        return JSONResponse({"status": "SUCCESS"})
    await react(engine, event, payload)
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
    with consumer_metrics.handling(event):
        response = await _consume(request, event)
    consumer_metrics.observe(event, response)
    return response


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.TASK_MODIFICATIONS),
    route="/events/task-modifications",
    dead_letter_topic=str(DEAD_LETTER[Topic.TASK_MODIFICATIONS]),
)
async def on_task_modification(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    with consumer_metrics.handling(event):
        response = await _consume(request, event)
    consumer_metrics.observe(event, response)
    return response


@app.post("/job/{name}")
async def on_job(name: str, request: Request) -> dict[str, str]:
    """Dapr Jobs callback. This app schedules reminder jobs only: each publishes
    v1.reminder.due once (redelivery is a no-op); any other name is acknowledged, since
    failing it would only make the scheduler retry a job nobody handles."""
    engine: Engine = request.app.state.engine
    jlog.bind(event_id=f"job:{name}")
    if not name.startswith("reminder-"):
        log.warning("job of an unknown kind ignored", extra={"fields": {"job": name}})
        return {"status": "ignored"}
    outcome = await reminder_jobs.fire(engine, name)
    engine_metrics.REMINDER_JOBS.labels(outcome.value).inc()
    log.info("reminder job", extra={"fields": {"job": name, "outcome": outcome}})
    return {"status": outcome}
