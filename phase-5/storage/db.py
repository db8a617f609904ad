"""Engine and session wiring, built once per process in the app's lifespan."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works: it only has to be the same for every process that migrates.
_MIGRATION_LOCK = 5_400_001


def make_engine(url: str, pool_size: int = 10, *, pre_ping: bool = True) -> AsyncEngine:
    """`pre_ping` costs a round trip per checkout; callers that retry a failed unit of
    work anyway (workflow activities) go without it: a connection found dead on first use
    is discarded, and the retry takes a fresh one."""
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping
    )


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: everything inside commits together or not at all."""
    async with sessions() as session, session.begin():
        yield session


def _upgrade(connection: Connection) -> None:
    # Imported here, not at module level: alembic (with mako and pygments) costs ~0.3 s of
    # every start, and the dev server restarts on each code change.
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


_REVISION = re.compile(r"^revision = ['\"]([^'\"]+)['\"]", re.M)


def head_revision() -> str:
    """The newest migration's id. Revisions are numbered (0001, 0002, ...) so the head is the
    highest; reading it from the files avoids importing alembic when nothing is pending."""
    files = sorted((MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    found = _REVISION.search(files[-1].read_text()) if files else None
    if found is None:
        raise RuntimeError(f"no migration revision found under {MIGRATIONS_DIR}")
    return found.group(1)


async def migrate(engine: AsyncEngine) -> None:
    """Applies migrations under a transaction-scoped advisory lock, so replicas starting
    together take turns and a failed migration releases the lock with its rollback. A
    database already at head costs one query (every dev reload runs this)."""
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        exists = (await conn.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
        if exists is not None:
            current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            if current == head_revision():
                return
        await conn.run_sync(_upgrade)
