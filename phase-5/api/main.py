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
from infra import logging as jlog
from infra.settings import get_settings
from infra.sidecar import Sidecar
from storage.db import make_engine, make_sessions, migrate


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    jlog.configure(settings.log_level, settings.app_id)
    sidecar = Sidecar(settings)
    await sidecar.wait_ready()
    db_url = await sidecar.read_secret(settings.database_url_secret)
    auth_secret = await sidecar.read_secret(settings.auth_secret_name)
    engine = make_engine(db_url, settings.db_pool_size)
    await migrate(engine)
    relay = OutboxRelay(engine, db_url, sidecar, settings.outbox_batch_size)
    relay.start()
    app.state.runtime = Runtime(settings, sidecar, engine, make_sessions(engine), auth_secret)
    try:
        yield
    finally:
        await relay.stop()
        await engine.dispose()
        await sidecar.aclose()


def create_app() -> FastAPI:
    app = FastAPI(
        title="todo-api",
        version="1.0.0",
        description="Tasks and recurring series. Errors: {error: {code, message, details}}.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.middleware("http")(metrics.middleware)
    app.include_router(health_router)
    for router in (tasks_router, series_router, recurrence_router, notifications_router):
        app.include_router(router)
    return app


app = create_app()
