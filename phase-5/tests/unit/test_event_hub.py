"""The fan-out's bookkeeping, without a database: who is woken, the per-user limit, and
how a stop ends open streams (the SIGTERM hook chained before the server's handler)."""

import asyncio
import os
import signal
import time
from datetime import timedelta
from types import FrameType

import pytest

from api.event_hub import EventHub, HubClosed, TooManyStreams, close_on_exit_signals


def _hub(limit: int = 2) -> EventHub:
    return EventHub(
        None,  # type: ignore[arg-type]  # no database: start() is never called here
        "postgresql://unused",
        max_per_user=limit,
        retention=timedelta(hours=1),
        prune_every=timedelta(hours=1),
    )


async def test_a_notification_wakes_only_that_users_streams() -> None:
    hub = _hub()
    alice, bob = hub.attach("alice"), hub.attach("bob")
    hub._on_notify(None, 0, "user_events", "alice")
    assert await alice.wait(time.time() + 1) is True
    assert await bob.wait(time.time() + 0.05) is False  # nothing for bob: the wait ran out


async def test_the_per_user_limit_counts_open_streams_only() -> None:
    hub = _hub(limit=2)
    first, _second = hub.attach("alice"), hub.attach("alice")
    with pytest.raises(TooManyStreams):
        hub.attach("alice")
    hub.attach("bob")  # another user's streams do not count
    first.release()
    hub.attach("alice")
    assert hub.streams() == 3


async def test_close_ends_every_open_stream_and_refuses_new_ones() -> None:
    hub = _hub()
    sub = hub.attach("alice")
    waiting = asyncio.create_task(sub.wait(time.time() + 60))
    await asyncio.sleep(0)
    hub.close()
    assert await asyncio.wait_for(waiting, 1) is False
    with pytest.raises(HubClosed):
        hub.attach("alice")


async def test_sigterm_closes_the_hub_and_still_reaches_the_servers_handler() -> None:
    hub = _hub()
    sub = hub.attach("alice")
    received: list[int] = []

    def server_handler(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, server_handler)
    try:
        close_on_exit_signals(hub)
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(sub.wait(time.time() + 60), 2) is False
        assert received == [signal.SIGTERM]
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def test_no_hook_where_no_handler_is_installed() -> None:
    async def run() -> None:
        close_on_exit_signals(_hub())

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        asyncio.run(run())
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
