"""Connections for activities. The workflow worker runs async activities on its own event
loop in its own thread, so engines are built per loop, lazily, from the configuration the
service's lifespan hands over (never at import time)."""

import asyncio
from dataclasses import dataclass

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from infra import tracing
from infra.settings import Settings
from storage.db import make_engine, make_sessions


@dataclass
class Resources:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # At most `materialize_rate_per_s` instances a second on average, in bursts of as many
    # (a leaky bucket): the thundering-herd guard for series due at one instant.
    limiter: AsyncLimiter


@dataclass
class _Config:
    settings: Settings | None = None
    database_url: str | None = None


_config = _Config()
_by_loop: dict[int, Resources] = {}


def configure(settings: Settings, database_url: str) -> None:
    _config.settings, _config.database_url = settings, database_url


def resources() -> Resources:
    if _config.settings is None or _config.database_url is None:
        raise RuntimeError("activities.resources.configure() was not called at start-up")
    loop_id = id(asyncio.get_running_loop())
    found = _by_loop.get(loop_id)
    if found is None:
        engine = make_engine(_config.database_url, _config.settings.db_pool_size, pre_ping=False)
        tracing.instrument_engine(engine)
        found = Resources(
            engine,
            make_sessions(engine),
            AsyncLimiter(_config.settings.materialize_rate_per_s, time_period=1),
        )
        _by_loop[loop_id] = found
    return found


def settings() -> Settings:
    assert _config.settings is not None
    return _config.settings
