"""Fan-out of users' events to the streams attached to this API replica.

The events themselves are rows (storage/user_events.py); a NOTIFY on `user_events` with
the user id only says "look again". Each replica holds one LISTEN connection and wakes the
streams of that user, each of which reads `seq > its cursor` from the table: the table is
the truth, so a lost notification (a dropped listener connection) costs latency, never an
event. After reconnecting the listener, every stream is woken to catch up.

Shutdown: uvicorn waits for open responses before it runs the lifespan shutdown, and an
event stream never ends by itself. `close()` (called from the exit-signal hook in
api/main.py, before uvicorn starts waiting) ends every stream, so a stop never hangs."""

import asyncio
import logging
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from storage import user_events

log = logging.getLogger(__name__)


class TooManyStreams(Exception):
    pass


class HubClosed(Exception):
    pass


class Subscription:
    """One attached stream: woken when its user's events may have changed."""

    def __init__(self, hub: "EventHub", user_id: str) -> None:
        self.hub = hub
        self.user_id = user_id
        self._wake = asyncio.Event()
        self.closed = False

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def wait(self, until: float) -> bool:
        """True when woken for new events; False when the stream must end (shutdown, or
        the wall-clock instant `until` passed: the token expired)."""
        try:
            await asyncio.wait_for(self._wake.wait(), max(0.0, until - time.time()))
        except TimeoutError:
            return False
        self._wake.clear()
        return not self.closed

    def release(self) -> None:
        self.hub._detach(self)


class EventHub:
    def __init__(
        self,
        engine: AsyncEngine,
        dsn: str,
        *,
        max_per_user: int,
        retention: timedelta,
        prune_every: timedelta,
    ) -> None:
        self.engine = engine
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.max_per_user = max_per_user
        self.retention = retention
        self.prune_every = prune_every
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._closing = False
        self._listener: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # -- attaching streams -------------------------------------------------------------
    def attach(self, user_id: str) -> Subscription:
        if self._closing:
            raise HubClosed
        subs = self._subs[user_id]
        if len(subs) >= self.max_per_user:
            raise TooManyStreams
        sub = Subscription(self, user_id)
        subs.add(sub)
        return sub

    def _detach(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.user_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.user_id]

    def streams(self) -> int:
        return sum(len(s) for s in self._subs.values())

    # -- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        """Listens before returning, so a stream attached after start misses nothing."""
        await self._listen()
        self._tasks = [
            asyncio.create_task(self._keep_listening(), name="event-hub-listener"),
            asyncio.create_task(self._prune_forever(), name="event-hub-prune"),
        ]

    def close(self) -> None:
        """Ends every stream now and refuses new ones (idempotent, synchronous)."""
        self._closing = True
        for subs in list(self._subs.values()):
            for sub in list(subs):
                sub.close()

    async def stop(self) -> None:
        self.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()

    # -- LISTEN --------------------------------------------------------------------------
    def _on_notify(self, _conn: Any, _pid: int, _channel: str, user_id: str) -> None:
        for sub in self._subs.get(user_id, ()):
            sub.wake()

    def _on_terminated(self, _conn: Any) -> None:
        self._lost.set()

    async def _listen(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        await conn.add_listener(user_events.CHANNEL, self._on_notify)
        conn.add_termination_listener(self._on_terminated)
        self._listener = conn
        self._lost.clear()

    async def _keep_listening(self) -> None:
        while True:
            await self._lost.wait()
            log.warning("event stream listener lost; reconnecting")
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type((OSError, asyncpg.PostgresError)),
                wait=wait_exponential(multiplier=0.2, max=5),
            ):
                with attempt:
                    await self._listen()
            # Notifications sent while we were away are gone: every stream reads again.
            for subs in list(self._subs.values()):
                for sub in subs:
                    sub.wake()

    async def _prune_forever(self) -> None:
        while True:
            try:
                async with self.engine.begin() as conn:
                    removed = await user_events.prune(conn, datetime.now(UTC) - self.retention)
                if removed:
                    log.info("pruned stream events", extra={"fields": {"rows": removed}})
            except Exception as exc:  # pruning is housekeeping: it must not stop the API
                log.warning("pruning stream events failed", extra={"fields": {"error": str(exc)}})
            await asyncio.sleep(self.prune_every.total_seconds())


def close_on_exit_signals(hub: EventHub) -> None:
    """Chains SIGINT/SIGTERM to `hub.close()` ahead of the server's own handler (uvicorn's,
    installed before the lifespan starts), so open streams end as soon as a stop begins.
    Nothing to do off the main thread (tests) or when no handler is installed."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(
            signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous
        ) -> None:
            loop.call_soon_threadsafe(hub.close)
            previous(signum, frame)

        signal.signal(sig, handler)
