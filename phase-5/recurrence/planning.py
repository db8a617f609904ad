"""Deciding what one round of a series does. Pure (no I/O, `now` is an argument), so the
rules below are unit-tested on their own:

- Fixed schedule: an instance is created when no instance is pending (completing the
  current one brings the next at once) or when the lead time before it has begun.
- Missed occurrences (the engine was down, a timer fired late): only the latest missed
  occurrence is created, as one overdue task; the older ones are not replayed.
- Occurrences at or before `skip_until` are never created (resume, skip, regenerate).
- After completion: the next instance is created when nothing is pending, due per the
  rule re-anchored at the latest completion (or at `now` when the last one was removed).
  As in Todoist, that holds when the task was completed early too: the next due date may
  be the occurrence just completed, or an earlier one ("every day", due Friday, completed
  Tuesday: due Wednesday). Only `skip_until` bounds it from below, never the slots taken;
  the new instance is keyed by the instance it follows (`Plan.follows`), not by its slot.
- The series is finished when the rule has nothing left and nothing is pending.
- A herd of series due at one instant does not wake at one instant: each series wakes at
  its own fixed point in the first part of its lead window (`herd_offset`)."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from recurrence.mode import Mode
from recurrence.model import Recurrence

MAX_CREATES_PER_ROUND = 10
_CATCH_UP_PAGES = 10


@dataclass(frozen=True)
class SeriesView:
    """What a round reads from the database about one series."""

    last_occurrence: datetime | None
    skip_until: datetime | None
    pending: int
    latest_completed_at: datetime | None
    latest_is_completed: bool
    completed_count: int
    latest_instance: str | None = None
    """The most recently created instance (any status): an after-completion successor
    follows it."""


@dataclass
class Plan:
    create: list[datetime] = field(default_factory=list)
    next_occurrence: datetime | None = None
    wake_at: datetime | None = None
    finished: bool = False
    follows: str | None = None
    """After completion: the instance the one created follows (its idempotency key)."""


def _latest_at_or_before(rec: Recurrence, first_missed: datetime, now: datetime) -> datetime:
    latest = first_missed
    for _ in range(_CATCH_UP_PAGES):
        page = rec.preview(100, after=latest)
        if not page:
            return latest
        for occurrence in page:
            if occurrence > now:
                return latest
            latest = occurrence
    return latest


def plan_round(rec: Recurrence, view: SeriesView, now: datetime) -> Plan:
    floor = max((t for t in (view.last_occurrence, view.skip_until) if t), default=None)
    if rec.mode is Mode.AFTER_COMPLETION:
        return _plan_after_completion(rec, view, now)
    plan = Plan()
    pending = view.pending
    cursor = floor or now - timedelta(minutes=1)
    nxt = rec.next_after(cursor)
    while nxt is not None and len(plan.create) < MAX_CREATES_PER_ROUND:
        if nxt <= now:
            following = rec.next_after(nxt)
            if following is not None and following <= now:
                nxt = _latest_at_or_before(rec, nxt, now)
        if pending and now < nxt - rec.lead_time:
            break
        plan.create.append(nxt)
        pending += 1
        nxt = rec.next_after(nxt)
    plan.next_occurrence = nxt
    plan.wake_at = None if nxt is None else nxt - rec.lead_time
    plan.finished = nxt is None and pending == 0
    return plan


def _plan_after_completion(rec: Recurrence, view: SeriesView, now: datetime) -> Plan:
    if view.pending:
        return Plan()  # the next due date depends on when this one is completed
    if view.last_occurrence is None:
        first = rec.next_after(view.skip_until or now - timedelta(minutes=1))
        return Plan(create=[first]) if first else Plan(finished=True)
    anchor = view.latest_completed_at if view.latest_is_completed else now
    if view.skip_until is not None and (anchor is None or view.skip_until > anchor):
        anchor = view.skip_until
    nxt = rec.next_after_completion(anchor or now, completed_count=view.completed_count)
    if nxt is not None and view.skip_until is not None and nxt <= view.skip_until:
        nxt = rec.next_after(view.skip_until)
    if nxt is None:
        return Plan(finished=True)
    return Plan(create=[nxt], next_occurrence=nxt, follows=view.latest_instance)


def herd_offset(series_id: str, lead_time: timedelta, fraction: float, cap: timedelta) -> timedelta:
    """How long after its lead-time instant a series wakes to create its next instance.

    Uniform over the first `fraction` of the lead window (at most `cap`), by a hash of the
    series id: the same series always wakes at the same point of its window (a user sees a
    stable "created 12 min before due"), and 20,000 series due at midnight with a 15-minute
    lead wake over 5 minutes instead of in one second. The instance still exists before it
    is due: the offset stays below the lead time."""
    window = min(lead_time * max(0.0, min(fraction, 1.0)), cap)
    if window <= timedelta(0):
        return timedelta(0)
    h = int.from_bytes(hashlib.sha256(series_id.encode()).digest()[:8], "big")
    # Whole milliseconds: the workflow's timer and the tests compare exact instants.
    return timedelta(milliseconds=int(window / timedelta(milliseconds=1) * h / 2**64))
