"""What recurring-task-service does when a task or series event arrives. Each effect is
idempotent by itself (starting a running workflow, raising a wake-up, overwriting or
deleting a job), so a redelivered event does no harm; the event id is then recorded in
processed_events so a duplicate is not even replayed."""

import logging
from dataclasses import dataclass

from dapr.ext.workflow import WorkflowState, WorkflowStatus
from dapr.ext.workflow.aio import DaprWorkflowClient
from grpc import StatusCode
from grpc.aio import AioRpcError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from contracts.events import (
    EventData,
    IncomingEvent,
    SeriesCreated,
    SeriesDeleted,
    SeriesUpdated,
    TaskCompleted,
    TaskCreated,
    TaskDeleted,
    TaskUpdated,
)
from contracts.status import ReminderStatus
from infra.sidecar import Sidecar
from storage.reminders import open_reminders
from storage.series_queries import series_is_live
from storage.trace_context import current_traceparent
from workflows.contracts import SERIES_WORKFLOW, WAKE_EVENT, SeriesState, instance_id

log = logging.getLogger(__name__)

# A workflow in one of these states needs no (re)start.
_ALIVE = (WorkflowStatus.RUNNING, WorkflowStatus.PENDING, WorkflowStatus.SUSPENDED)

# A workflow state read that failed on its own and may succeed at once (see workflow_state).
_TRANSIENT_CODES = (StatusCode.UNKNOWN, StatusCode.UNAVAILABLE)

# This service's key in processed_events.
CONSUMER_TASK_EVENTS = "recurring-task-service.task-events"

_CHANGE_TO_WAKE = {
    "paused": "series_paused",
    "resumed": "series_resumed",
    "skipped": "occurrence_skipped",
}


@dataclass
class Engine:
    sessions: async_sessionmaker[AsyncSession]
    sidecar: Sidecar
    workflows: DaprWorkflowClient


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, AioRpcError) and exc.code() in _TRANSIENT_CODES


async def workflow_state(engine: Engine, wid: str) -> WorkflowState | None:
    """The workflow's state, read again at once when the read is transient. daprd 1.18.2
    reads a workflow's metadata and its inbox keys separately, so a read that overlaps the
    workflow saving its state (just started, or finishing a round) can fail with UNKNOWN
    "inbox key ... missing from state store (transient store read failure or partial
    save?)". Raised to the subscriber, that failure made Dapr redeliver the event after
    the resiliency policy's 5 s: the issue's 5.1 s complete -> next outlier (seen in the
    engine's logs on wake-ups just after a series started). A few reads within a second
    ride it out; anything longer is left to the pub/sub retry."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_transient),
        wait=wait_exponential(multiplier=0.025, max=0.4),
        stop=stop_after_attempt(6),
        reraise=True,
    ):
        with attempt:
            return await engine.workflows.get_workflow_state(wid, fetch_payloads=False)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def ensure_workflow(engine: Engine, series_id: str) -> bool:
    """Starts the series workflow unless it is running. True if it started one."""
    wid = instance_id(series_id)
    state = await workflow_state(engine, wid)
    if state is not None and state.runtime_status in _ALIVE:
        return False
    try:
        await engine.workflows.schedule_new_workflow(
            SERIES_WORKFLOW,
            input=SeriesState(series_id=series_id, traceparent=current_traceparent()).model_dump(
                exclude_none=True
            ),
            instance_id=wid,
        )
    except Exception as exc:  # a concurrent start won the race: that is the goal anyway
        if "already exists" not in str(exc).lower():
            raise
        return False
    log.info("series workflow started", extra={"fields": {"series_id": series_id}})
    return True


async def wake(engine: Engine, series_id: str, reason: str) -> None:
    """Raises a wake-up; a series whose workflow is gone gets one (self-healing)."""
    wid = instance_id(series_id)
    state = await workflow_state(engine, wid)
    if state is None or state.runtime_status not in _ALIVE:
        async with engine.sessions() as session:
            live = await series_is_live(session, series_id)
        if live:
            await ensure_workflow(engine, series_id)
        return
    # The trace context rides in the event's data: the round it causes joins this trace.
    data = {"reason": reason, "traceparent": current_traceparent()}
    await engine.workflows.raise_workflow_event(wid, WAKE_EVENT, data=data)


async def schedule_task_reminders(engine: Engine, task_id: str) -> int:
    """Registers one job per pending reminder of the task at its absolute due time, and
    deletes the jobs of its cancelled ones. Job names are deterministic: overwrite."""
    async with engine.sessions() as session:
        rows = await open_reminders(session, task_id)
    scheduled = 0
    for row in rows:
        if row.status == ReminderStatus.PENDING:
            await engine.sidecar.schedule_job(row.job_name, row.scheduled_time)
            scheduled += 1
        elif row.status == ReminderStatus.CANCELLED:
            await engine.sidecar.delete_job(row.job_name)
    return scheduled


_ACTED_ON = (TaskUpdated, TaskCompleted, TaskDeleted, SeriesCreated, SeriesUpdated, SeriesDeleted)


def _cancelled_jobs(event: IncomingEvent, payload: EventData | None) -> list[str]:
    if isinstance(payload, TaskCompleted | TaskDeleted):
        return payload.cancelled_jobs
    if payload is None:  # a newer event type may cancel jobs too: honour that much
        jobs = event.data.get("cancelled_jobs")
        return [str(j) for j in jobs] if isinstance(jobs, list) else []
    return []


def has_effect(event: IncomingEvent, payload: EventData | None) -> bool:
    """False for an event this service does nothing with, such as every instance a burst
    creates without reminders: it is acknowledged without touching the database, since
    there is no effect a redelivery could double."""
    if _cancelled_jobs(event, payload):
        return True
    if isinstance(payload, TaskCreated):
        return payload.reminders > 0
    return isinstance(payload, _ACTED_ON)


async def react(engine: Engine, event: IncomingEvent, payload: EventData | None) -> None:
    for job in _cancelled_jobs(event, payload):
        await engine.sidecar.delete_job(job)
    match payload:
        case SeriesCreated(series=series):
            await ensure_workflow(engine, str(series.series_id))
        case TaskCreated(task=task) | TaskUpdated(task=task):
            await schedule_task_reminders(engine, str(task.task_id))
        case TaskCompleted(task=task) if task.series_id is not None:
            await wake(engine, str(task.series_id), "instance_completed")
        case TaskDeleted(task=task) if task.series_id is not None:
            await wake(engine, str(task.series_id), "series_edited")
        case SeriesUpdated(series=series, changes=changes) if "completed" not in changes:
            name = next(
                (_CHANGE_TO_WAKE[c] for c in changes if c in _CHANGE_TO_WAKE), "series_edited"
            )
            await wake(engine, str(series.series_id), name)
        case SeriesDeleted(series=series):
            await wake(engine, str(series.series_id), "series_deleted")
        case None:
            log.info("event type ignored", extra={"fields": {"type": event.type}})
