"""Publishes committed outbox rows through Dapr pub/sub and marks them sent.

Woken by PostgreSQL LISTEN/NOTIFY (a trigger on outbox inserts) and drains any backlog at
start; it never polls the table on a timer. When the sidecar or Kafka is down, rows stay
unsent and the relay retries with backoff until they go out: nothing is lost. A crash
between publish and commit republishes with the same CloudEvent id, which consumers dedupe.

Order: one relay publishes at a time, whatever the number of API replicas (a
transaction-scoped advisory lock per batch; a replica that finds it taken leaves the work
to the holder, which the same NOTIFY wakes). Rows go out by `created_at`, the writing
transaction's start, then by insert order within it: for one user's requests made one after
another that is their order; for concurrent ones it is an order, not necessarily their
commit order."""

import asyncio
import logging
from typing import Any

import asyncpg
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from api import metrics
from infra import tracing
from infra.sidecar import Sidecar, SidecarError

log = logging.getLogger(__name__)

CHANNEL = "outbox"
# Any constant works; it only has to differ from the migration lock (storage/db.py).
_RELAY_LOCK = 5_400_002
_ONE_RELAY = text("SELECT pg_try_advisory_xact_lock(:k)")
_CLAIM = text(
    """
    SELECT event_id, topic, partition_key, payload, created_at, traceparent FROM outbox
    WHERE sent_at IS NULL ORDER BY created_at, seq
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
        self._wake.set()  # drain whatever is waiting from before we started
        while True:
            # A fresh policy per wake-up: the backoff starts again after a pass went well.
            async for attempt in self._retrying():
                with attempt:
                    await self._serve_once()

    async def _serve_once(self) -> None:
        await self._listen()
        await self._wake.wait()
        self._wake.clear()
        while await self.drain_once():
            pass

    def _retrying(self) -> AsyncRetrying:
        """Sidecar, Kafka or database down: retry for ever, 0.5 s doubling to 15 s; rows
        stay unsent meanwhile, so nothing is lost. Cancellation is not an Exception and
        stops the relay at once."""
        return AsyncRetrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential(multiplier=0.5, max=15),
            before_sleep=self._stalled,
        )

    def _stalled(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        expected = isinstance(exc, SidecarError | OSError | asyncpg.PostgresError)
        log.warning(
            "outbox relay stalled; will retry",
            exc_info=None if expected else exc,
            extra={"fields": {"error": str(exc), "retry_in_s": state.upcoming_sleep}},
        )
        if self._listener is not None and self._listener.is_closed():
            self._listener = None
        self._wake.set()  # the retry drains again, whether or not a notification came

    async def drain_once(self) -> bool:
        """Publishes one batch in order; True if the batch was full (more may be waiting).

        Rows are published one by one, oldest first, and the batch stops at the first
        failure, so a later event never overtakes an earlier unsent one. False at once when
        another relay holds the lock: it publishes these rows in the same order."""
        async with self.engine.connect() as conn, conn.begin():
            if not (await conn.execute(_ONE_RELAY, {"k": _RELAY_LOCK})).scalar():
                return False
            rows = (await conn.execute(_CLAIM, {"limit": self.batch_size})).all()
            sent: list[Any] = []
            failure: SidecarError | None = None
            for row in rows:
                try:
                    # A child of the span that wrote the row: the publish joins its trace.
                    with tracing.span_from(
                        f"publish {row.topic}", row.traceparent, SpanKind.PRODUCER
                    ):
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
