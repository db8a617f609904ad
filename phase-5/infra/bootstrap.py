"""What every service does first and undoes last: JSON logging, its Dapr sidecar (polled
until ready), the database URL from the Dapr secrets API, one engine."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from infra import logging as jlog
from infra import tracing
from infra.settings import Settings
from infra.sidecar import Sidecar
from storage.db import make_engine


@dataclass
class Base:
    sidecar: Sidecar
    database_url: str
    engine: AsyncEngine


@asynccontextmanager
async def service_base(settings: Settings, pool_size: int | None = None) -> AsyncIterator[Base]:
    jlog.configure(settings.log_level, settings.app_id)
    # Before the sidecar's gRPC channel and the engine exist: both get instrumented.
    tracing.configure(settings)
    sidecar = Sidecar(settings)
    try:
        await sidecar.wait_ready()
        url = await sidecar.read_secret(settings.database_url_secret)
        engine = make_engine(url, pool_size or settings.db_pool_size)
        tracing.instrument_engine(engine)
        try:
            yield Base(sidecar, url, engine)
        finally:
            await engine.dispose()
    finally:
        await sidecar.aclose()
        tracing.shutdown()
