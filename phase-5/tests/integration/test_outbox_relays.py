"""Several relays (one per API replica) still publish one user's events in their order,
because one relay publishes at a time (api/outbox_relay.py), also the events of one
transaction, which tie on created_at. Runs on a copy of the outbox
table in a schema of its own, so the running API's relay and its rows are untouched; the
sidecar is a recorder slow enough that two relays working at once would interleave."""

import asyncio
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api import outbox_relay
from api.outbox_relay import OutboxRelay
from tests.support.stack import secrets

ROWS = 120


class RecordingSidecar:
    def __init__(self, name: str, log: list[tuple[str, str]]) -> None:
        self.name, self.log = name, log

    async def publish(self, topic: str, event: dict[str, Any], partition_key: str) -> None:
        self.log.append((self.name, str(event["id"])))
        await asyncio.sleep(0.002)


async def _fill(engine: AsyncEngine) -> list[str]:
    """One transaction, so every row has the same created_at (its start): their order is
    only the order they were written in, as for a series.created and its task.created."""
    ids = [str(uuid.uuid4()) for _ in range(ROWS)]
    async with engine.begin() as conn:
        for eid in ids:
            await conn.execute(
                text(
                    "INSERT INTO outbox (event_id, topic, event_type, partition_key, payload, "
                    "attempts) VALUES (:id, 'task-operations', 'v1.task.created', "
                    "'u1', CAST(:p AS jsonb), 0)"
                ),
                {"id": eid, "p": json.dumps({"id": eid})},
            )
    return ids


async def _publish_with_two_relays(engine: AsyncEngine, url: str) -> list[tuple[str, str]]:
    log: list[tuple[str, str]] = []
    relays = [OutboxRelay(engine, url, RecordingSidecar(n, log), 10) for n in ("a", "b")]  # type: ignore[arg-type]

    async def unsent() -> int:
        async with engine.connect() as conn:
            count = (
                await conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
            ).scalar()
        return int(count or 0)

    async def pump(relay: OutboxRelay) -> None:
        while await unsent():
            await relay.drain_once()
            await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(*(pump(r) for r in relays)), 60)
    return log


async def test_two_relays_publish_one_users_events_in_order(
    stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = secrets()["database-url"]
    schema = f"relay_test_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
        await conn.execute(text(f"CREATE TABLE {schema}.outbox (LIKE public.outbox INCLUDING ALL)"))
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        ids = await _fill(engine)
        log = await _publish_with_two_relays(engine, url)
        by = {name: sum(1 for n, _ in log if n == name) for name in ("a", "b")}
        print(f"\nrows published by relay a / b: {by['a']} / {by['b']}")
        assert [eid for _, eid in log] == ids, "in order, each once"

        # The control: without the lock the same two relays interleave, so the check above
        # can fail.
        monkeypatch.setattr(outbox_relay, "_ONE_RELAY", text("SELECT true"))
        ids = await _fill(engine)
        unlocked = [eid for _, eid in await _publish_with_two_relays(engine, url)]
        assert sorted(unlocked) == sorted(ids) and unlocked != ids
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()
