"""`advance_series`: one round of a series in ONE transaction (throughput is bounded by
rounds, and each activity costs a scheduler round trip). It reads the series and its
instances (the truth), creates what is due (idempotent on the instance's key: its slot,
or for an after-completion series the instance it follows),
writes their reminders and v1.task.created events, and says what to wait for next.
Reminder jobs are registered by the consumer of v1.task.created, from the same rows."""

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from dapr.ext.workflow import WorkflowActivityContext

from activities import metrics
from activities.resources import resources, settings
from contracts.events import SeriesUpdated
from contracts.status import SeriesStatus
from infra import tracing
from recurrence.planning import herd_offset, plan_round
from storage.db import transaction
from storage.event_payloads import series_payload
from storage.instances import materialize, recurrence_of
from storage.outbox import add_event
from storage.series_queries import lock_series, series_view
from workflows.contracts import ADVANCE_SERIES, RoundInput, RoundResult

log = logging.getLogger(__name__)
SOURCE = "recurring-task-service"


async def advance_series(ctx: WorkflowActivityContext, raw: dict[str, Any]) -> dict[str, Any]:
    inp = RoundInput.model_validate(raw)
    # In the trace of what woke the series: the instance it creates, its event and its
    # reminder rows carry this span's context onwards.
    with (
        tracing.span_from(ADVANCE_SERIES, inp.traceparent, series_id=inp.series_id),
        metrics.round_timer(),
    ):
        return await _advance(inp)


async def _advance(inp: RoundInput) -> dict[str, Any]:
    res = resources()
    # A round creates at most one instance but for rare catch-ups: its token is taken
    # before the transaction, so a round waiting on the limit holds no connection.
    await res.limiter.acquire()
    now = datetime.now(UTC)
    async with transaction(res.sessions) as session:
        series = await lock_series(session, inp.series_id)
        if series is None or series.status in (SeriesStatus.DELETED, SeriesStatus.COMPLETED):
            status = series.status if series else "missing"
            return RoundResult(finished=True, reason=status).model_dump(mode="json")
        if series.status == SeriesStatus.PAUSED:
            return RoundResult(paused=True, reason="paused").model_dump(mode="json")
        rec = recurrence_of(series)
        plan = plan_round(rec, await series_view(session, series), now)
        created: list[str] = []
        for i, occurrence in enumerate(plan.create):
            if i:
                await res.limiter.acquire()
            follows = uuid.UUID(plan.follows) if plan.follows else None
            task = await materialize(
                session, series, occurrence, now, source=SOURCE, follows=follows
            )
            if task is not None:
                created.append(str(task.task_id))
        series.upcoming_occurrence = plan.next_occurrence
        if plan.finished:
            series.status = SeriesStatus.COMPLETED
            event = SeriesUpdated(
                user_id=series.user_id, series=series_payload(series), changes=["completed"]
            )
            add_event(session, event, source=SOURCE)
        series.updated_at = now
        session.add(series)
    wake_at = None
    if plan.wake_at is not None:
        cfg = settings()
        spread = herd_offset(
            inp.series_id,
            rec.lead_time,
            cfg.materialize_spread_fraction,
            timedelta(seconds=cfg.materialize_spread_max_seconds),
        )
        wake_at = plan.wake_at + spread
    result = RoundResult(
        finished=plan.finished,
        wake_at=wake_at,
        next_occurrence=plan.next_occurrence,
        created=created,
        reason="completed" if plan.finished else "",
    )
    return result.model_dump(mode="json")
