"""todo-api entry point: `uvicorn api.main:app`. Connections are built in the lifespan only."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, metrics
from api.deps import Runtime
from api.health import router as health_router
from api.outbox_relay import OutboxRelay
from api.routes.notifications import router as notifications_router
from api.routes.recurrence import router as recurrence_router
from api.routes.series import router as series_router
from api.routes.tasks import router as tasks_router
from infra import tracing
from infra.bootstrap import service_base
from infra.settings import get_settings
from storage.db import make_sessions, migrate


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    async with service_base(settings) as base:
        auth_secret = await base.sidecar.read_secret(settings.auth_secret_name)
        await migrate(base.engine)
        relay = OutboxRelay(
            base.engine, base.database_url, base.sidecar, settings.outbox_batch_size
        )
        relay.start()
        app.state.runtime = Runtime(
            settings, base.sidecar, base.engine, make_sessions(base.engine), auth_secret
        )
        try:
            yield
        finally:
            await relay.stop()


def create_app() -> FastAPI:
    app = FastAPI(
        title="todo-api",
        version="1.0.0",
        description="Tasks and recurring series. Errors: {error: {code, message, details}}.",
        lifespan=lifespan,
    )
    errors.install(app)
    tracing.instrument_app(app)
    app.middleware("http")(metrics.middleware)
    app.include_router(health_router)
    for router in (tasks_router, series_router, recurrence_router, notifications_router):
        app.include_router(router)
    return app


app = create_app()
