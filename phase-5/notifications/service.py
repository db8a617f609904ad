"""notification-service entry point: `uvicorn notifications.service:app`.

Subscribes to `alerts` (dead letter `alerts-dlq`). The handler records the reminder's
deliveries and acknowledges; the worker (worker.py) sends email and Web Push from those
rows. Connections and the worker are built in the lifespan only; channel credentials are
read at use (notifications/secrets.py), so a rotation needs no restart."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from dapr.ext.fastapi import DaprApp
from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import DEAD_LETTER, IncomingEvent, PoisonMessage, ReminderDue, Topic
from infra import consumer_metrics, tracing
from infra import logging as jlog
from infra.bootstrap import service_base
from infra.secret_cache import SecretCache
from infra.settings import get_settings
from infra.sidecar import Sidecar
from notifications import metrics
from notifications.intake import Intake, accept
from notifications.push_channel import PushSender
from notifications.secrets import load_smtp, load_vapid
from notifications.smtp_channel import SmtpSender
from notifications.worker import DeliveryWorker
from storage.db import make_sessions, transaction

log = logging.getLogger("notification-service")


@dataclass
class NotifierRuntime:
    sidecar: Sidecar
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    worker: DeliveryWorker


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    async with service_base(settings, pool_size=5) as base:
        sidecar, engine = base.sidecar, base.engine
        sessions = make_sessions(engine)
        timeout = settings.notify_send_timeout_seconds
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        secrets = SecretCache(sidecar, settings.secret_max_age_seconds)
        # Read once now so a missing secret still stops the start; later reads are at use.
        await load_smtp(secrets)
        await load_vapid(secrets)
        smtp = SmtpSender(secrets, timeout)
        push = PushSender(
            secrets,
            http,
            ttl=settings.push_ttl_seconds,
            allow_loopback_http=settings.allow_loopback_http_push,
        )
        worker = DeliveryWorker(sessions, settings, sidecar, smtp, push)
        worker.start()
        app.state.runtime = NotifierRuntime(sidecar, engine, sessions, worker)
        log.info("delivery worker started", extra={"fields": {"worker": worker.me}})
        try:
            yield
        finally:
            await worker.stop()
            await http.aclose()


app = FastAPI(title="notification-service", lifespan=lifespan)
tracing.instrument_app(app)
dapr_app = DaprApp(app)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/metrics")
async def prometheus() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _retry(reason: str) -> JSONResponse:
    """Dapr retries (resiliency: backoff for ~15 minutes), then parks the event in alerts-dlq."""
    return JSONResponse({"status": "RETRY", "error": reason}, 500)


@dapr_app.subscribe(
    pubsub="pubsub",
    topic=str(Topic.ALERTS),
    route="/events/alerts",
    dead_letter_topic=str(DEAD_LETTER[Topic.ALERTS]),
)
async def on_alert(request: Request, event: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
    with consumer_metrics.handling(event):
        response = await _on_alert(request, event)
    consumer_metrics.observe(event, response)
    return response


async def _on_alert(request: Request, event: dict[str, Any]) -> JSONResponse:
    try:
        parsed = IncomingEvent.model_validate(event)
    except ValidationError:
        log.error("malformed alert event")
        return consumer_metrics.poison("malformed event")
    jlog.bind(event_id=parsed.id, user_id=parsed.user_id)
    try:
        due = parsed.payload()
    except PoisonMessage as exc:
        log.error("malformed reminder", extra={"fields": {"error": str(exc)[:300]}})
        return consumer_metrics.poison("malformed reminder")
    if not isinstance(due, ReminderDue):
        # Other and future types: the reminders row is the truth, and every attempt
        # re-checks it, so there is nothing to do with the event itself.
        metrics.EVENTS.labels("ignored").inc()
        return JSONResponse({"status": "SUCCESS"})
    jlog.bind(task_id=str(due.task_id), series_id=str(due.series_id) if due.series_id else None)
    runtime: NotifierRuntime = request.app.state.runtime
    try:
        async with transaction(runtime.sessions) as session:
            result = await accept(session, due)
    except Exception:
        log.exception("recording the reminder failed")
        return _retry("database unavailable")
    metrics.EVENTS.labels(result.outcome.value).inc()
    for channel in result.cancelled:
        metrics.DELIVERIES.labels(channel.value, "cancelled").inc()
    if result.outcome == Intake.QUEUED:
        runtime.worker.kick()
    log.info(
        "reminder accepted",
        extra={
            "fields": {
                "outcome": result.outcome.value,
                "channels": [c.value for c in result.channels],
            }
        },
    )
    return JSONResponse({"status": "SUCCESS"})
