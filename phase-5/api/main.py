"""todo-api entry point: `uvicorn api.main:app`. Connections are built in the lifespan only."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from api import docs, errors, metrics
from api.auth import SigningKey
from api.contract import install_error_responses
from api.deps import Runtime, reject_unknown_query
from api.event_hub import EventHub, close_on_exit_signals
from api.event_intake import router as intake_router
from api.health import router as health_router
from api.outbox_relay import OutboxRelay
from api.request_guard import RequestGuard
from api.routes.calendar import router as calendar_router
from api.routes.events import STREAM_MODELS
from api.routes.events import router as events_router
from api.routes.notifications import router as notifications_router
from api.routes.recurrence import router as recurrence_router
from api.routes.series import router as series_router
from api.routes.tasks import router as tasks_router
from infra import tracing
from infra.bootstrap import service_base
from infra.secret_cache import SecretCache
from infra.settings import get_settings
from storage.db import make_sessions, migrate


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    async with service_base(settings) as base:
        # Read at use (rotation needs no restart); read once now so a missing key stops the start.
        signing_key = SigningKey(
            SecretCache(base.sidecar, settings.secret_max_age_seconds), settings.auth_secret_name
        )
        await signing_key.secrets.get(settings.auth_secret_name)
        await migrate(base.engine)
        relay = OutboxRelay(
            base.engine, base.database_url, base.sidecar, settings.outbox_batch_size
        )
        relay.start()
        hub = EventHub(
            base.engine,
            base.database_url,
            max_per_user=settings.event_stream_max_per_user,
            retention=settings.event_stream_retention,
            prune_every=timedelta(minutes=settings.event_stream_prune_minutes),
        )
        await hub.start()
        close_on_exit_signals(hub)
        metrics.STREAMS.set_function(hub.streams)
        app.state.runtime = Runtime(
            settings, base.sidecar, base.engine, make_sessions(base.engine), signing_key, hub
        )
        try:
            async with metrics.listener(base.engine, settings.metrics_host, settings.metrics_port):
                yield
        finally:
            await hub.stop()
            await relay.stop()


def _operation_id(route: APIRoute) -> str:
    """The handler's name (`create_task`, `list_series`): what client generators show."""
    return route.name


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="todo-api",
        version="1.0.0",
        description=(
            "Tasks and recurring series. Every error is "
            '`{"error": {"code", "message", "details"}}`; every timestamp is UTC with `Z` '
            "except fields named `*_local` (wall time in the series' zone)."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(reject_unknown_query)],
    )
    errors.install(app)
    docs.install(app)
    tracing.instrument_app(app)
    app.add_middleware(metrics.RequestMetrics)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    # Outermost, so refusals (413, 415) carry CORS headers and a browser can read them.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        # Last-Event-ID: the web app resumes its event stream with it (fetch, not EventSource).
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
        expose_headers=["Location", "Idempotent-Replayed"],
        max_age=600,
    )
    app.include_router(health_router)
    app.include_router(intake_router)
    for router in (
        tasks_router,
        series_router,
        recurrence_router,
        notifications_router,
        calendar_router,
        events_router,
    ):
        app.include_router(router)
    install_error_responses(app, STREAM_MODELS)
    return app


app = create_app()
