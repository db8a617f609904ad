"""Publishes committed outbox rows through Dapr pub/sub and marks them sent.

Woken by PostgreSQL LISTEN/NOTIFY (a trigger on outbox inserts) and drains any backlog at
start; it never polls the table on a timer. When the sidecar or Kafka is down, rows stay
unsent and the relay retries with backoff until they go out: nothing is lost. A crash
between publish and commit republishes with the same CloudEvent id, which consumers dedupe."""

import asyncio
import logging
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api import metrics
from infra.sidecar import Sidecar, SidecarError

log = logging.getLogger(__name__)

CHANNEL = "outbox"
_CLAIM = text(
    """
    SELECT event_id, topic, partition_key, payload, created_at FROM outbox
    WHERE sent_at IS NULL ORDER BY created_at, event_id
    LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)
_MARK_SENT = text(
    "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE event_id = ANY(:ids)"
)
_MARK_FAILED = text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :err WHERE event_id = :id"
)


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, dsn: str, sidecar: Sidecar, batch_size: int) -> None:
        self.engine = engine
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.sidecar = sidecar
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self.dsn)
        await self._listener.add_listener(CHANNEL, self._on_notify)
        # A reconnect may have missed notifications: drain once after (re)subscribing.
        self._wake.set()

    async def _run(self) -> None:
        backoff = 0.5
        self._wake.set()  # drain whatever is waiting from before we started
        while True:
            try:
                await self._listen()
                await self._wake.wait()
                self._wake.clear()
                while await self.drain_once():
                    pass
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except (SidecarError, OSError, asyncpg.PostgresError) as exc:
                log.warning(
                    "outbox relay stalled; will retry",
                    extra={"fields": {"error": str(exc), "retry_in_s": backoff}},
                )
                if self._listener is not None and self._listener.is_closed():
                    self._listener = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 15.0)
                self._wake.set()
            except Exception:
                log.exception("outbox relay error; will retry")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 15.0)
                self._wake.set()

    async def drain_once(self) -> bool:
        """Publishes one batch in order; True if the batch was full (more may be waiting).

        Rows are published one by one in commit order and the batch stops at the first
        failure, so one user's events never overtake each other."""
        async with self.engine.connect() as conn, conn.begin():
            rows = (await conn.execute(_CLAIM, {"limit": self.batch_size})).all()
            sent: list[Any] = []
            failure: SidecarError | None = None
            for row in rows:
                try:
                    await self.sidecar.publish(row.topic, row.payload, row.partition_key)
                except SidecarError as exc:
                    failure = exc
                    await conn.execute(_MARK_FAILED, {"id": row.event_id, "err": str(exc)[:500]})
                    break
                sent.append(row.event_id)
                metrics.observe_published(row.topic, row.created_at)
            if sent:
                await conn.execute(_MARK_SENT, {"ids": sent})
        if failure is not None:
            raise failure
        return len(rows) == self.batch_size
