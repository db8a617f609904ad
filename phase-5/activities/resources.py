"""Connections for activities. The workflow worker runs async activities on its own event
loop in its own thread, so engines are built per loop, lazily, from the configuration the
service's lifespan hands over (never at import time)."""

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from infra.settings import Settings
from storage.db import make_engine, make_sessions


class RateLimiter:
    """Token bucket: at most `rate` acquisitions per second on average, bursts of `rate`."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = 0.0
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self.lock:
            now = loop.time()
            if self.updated:
                self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                await asyncio.sleep((1 - self.tokens) / self.rate)
                self.updated = loop.time()
                self.tokens = 1
            self.tokens -= 1


@dataclass
class Resources:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter


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
        found = Resources(
            engine, make_sessions(engine), RateLimiter(_config.settings.materialize_rate_per_s)
        )
        _by_loop[loop_id] = found
    return found


def settings() -> Settings:
    assert _config.settings is not None
    return _config.settings
