"""The safety net under reminder jobs: a reminder whose time passed more than a grace period
ago without its job firing is fired here, through the same code as the job callback.

A Dapr job retries for a bounded time; if the engine stays down longer (or a crash falls
between writing the reminder row and scheduling its job), the job is gone and the reminder
would stay pending for ever. Firing is idempotent: the row is locked, and the event id is the
reminder id, so a job and the sweep firing the same reminder are one delivery per channel."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from engine import reminder_jobs
from engine.reactions import Engine
from storage.reminders import overdue_unfired_jobs

log = logging.getLogger(__name__)


async def sweep_once(engine: Engine, grace: timedelta) -> int:
    async with engine.sessions() as session:
        names = await overdue_unfired_jobs(session, datetime.now(UTC) - grace)
    fired = 0
    for name in names:
        try:
            outcome = await reminder_jobs.fire(engine, name)
        except Exception:
            log.exception("reminder sweep: firing failed", extra={"fields": {"job": name}})
            continue
        fired += outcome is reminder_jobs.JobOutcome.PUBLISHED
        log.warning(
            "reminder sweep: fired a reminder whose job never did",
            extra={"fields": {"job": name, "outcome": outcome}},
        )
    return fired


async def run(engine: Engine, every: timedelta, grace: timedelta) -> None:
    while True:
        try:
            await sweep_once(engine, grace)
        except Exception:
            log.exception("reminder sweep failed; next try in %s", every)
        await asyncio.sleep(every.total_seconds())
