"""The peer's one activity: what our advance_series writes in one transaction, an instance
(task), its outbox event and its reminder row, each idempotent on its key, in the same
PostgreSQL as the stack (schema temporal_peer). A re-execution counts in `attempts`, so
the bench can report doubled work."""

import json
import uuid
from datetime import UTC, datetime

import asyncpg
from temporalio import activity

from bench.peers.temporal.contracts import RoundInput

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS temporal_peer;
CREATE TABLE IF NOT EXISTS temporal_peer.instances (
    series_id text NOT NULL, occurrence int NOT NULL, user_id text NOT NULL,
    due_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts int NOT NULL DEFAULT 1, PRIMARY KEY (series_id, occurrence));
CREATE TABLE IF NOT EXISTS temporal_peer.outbox (
    event_id uuid PRIMARY KEY, partition_key text NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS temporal_peer.reminders (
    job_name text PRIMARY KEY, user_id text NOT NULL, scheduled_time timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
"""


class SeriesActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="advance_series")
    async def advance_series(self, inp: RoundInput) -> None:
        due = datetime.fromtimestamp(inp.occurrence_epoch, UTC)
        key = f"{inp.series_id}:{inp.occurrence}"
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO temporal_peer.instances (series_id, occurrence, user_id, due_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (series_id, occurrence) "
                "DO UPDATE SET attempts = temporal_peer.instances.attempts + 1",
                inp.series_id, inp.occurrence, inp.user_id, due,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO temporal_peer.outbox (event_id, partition_key, payload) "
                "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                uuid.uuid5(uuid.NAMESPACE_URL, key), inp.user_id,
                json.dumps({"type": "v1.task.created", "series_id": inp.series_id,
                            "occurrence": inp.occurrence, "due": due.isoformat()}),
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO temporal_peer.reminders (job_name, user_id, scheduled_time) "
                "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                f"reminder-{key}", inp.user_id, due,
            )  # fmt: skip
