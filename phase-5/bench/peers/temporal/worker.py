"""The peer's worker process (the counterpart of recurring-task-service).

python -m bench.peers.temporal.worker TEMPORAL_ADDRESS DATABASE_URL"""

import asyncio
import sys

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from bench.peers.temporal.activities import SCHEMA, SeriesActivities
from bench.peers.temporal.contracts import TASK_QUEUE
from bench.peers.temporal.workflows import SeriesWorkflow


async def main(address: str, database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
    async with pool.acquire() as conn:
        await conn.execute(SCHEMA)
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[SeriesWorkflow],
        activities=[SeriesActivities(pool).advance_series],
    )
    print("worker ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
