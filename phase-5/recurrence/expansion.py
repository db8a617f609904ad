"""Bounded expansion: dateutil's iterator under a time bound and a work bound.

dateutil expands a rule in local wall time (naive datetimes); ``walk`` converts every
occurrence to UTC with the DST policy of ``zones``. Expanding naive also sidesteps
dateutil's refusal of an aware DTSTART with a UTC UNTIL.

Two bounds keep every call short, whatever the rule:

- a time bound: a walk stops when the next occurrence would come more than
  ``HORIZON_YEARS`` after its reference point or after the previous occurrence (a
  *gap*), or more than its span after its reference point;
- a work bound: dateutil's iterator only stops at year 9999, so a rule that matches
  nothing (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) would walk day by day for seconds
  before yielding anything we could check. ``_iterinfo.rebuild``, which dateutil
  calls at every period it steps into (each year or month, and each change of month
  for DAILY and WEEKLY), reads the rule's ``_byeaster``; ``GuardedRRule`` makes that
  read spend a step budget sized for the time bound. This leans on dateutil
  internals (pinned below 3); test_recurrence_guard fails if the hook stops firing.
"""

from __future__ import annotations

import heapq
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from recurrence.limits import HORIZON_YEARS, MAX_YEAR, SPAN_YEARS
from recurrence.rules import Freq
from recurrence.zones import local_to_utc, utc_to_local

# A local occurrence in a DST gap is pushed forward by the gap (at most a day, when
# Samoa skipped 2011-12-30), so one that lies this far before a cursor may still land
# after it.
SHIFT_MARGIN = timedelta(days=1, hours=2)

_CEILING_YEAR = MAX_YEAR + SPAN_YEARS + HORIZON_YEARS
_CEILING = datetime(_CEILING_YEAR, 1, 1)
CEILING_UTC = _CEILING.replace(tzinfo=UTC)


class Stop(Enum):
    LIMIT = "limit"  # found as many occurrences as asked for
    ENDED = "ended"  # the series is over: COUNT or the end date reached
    GAP = "gap"  # nothing within HORIZON_YEARS of the previous point
    SPAN = "span"  # looked as far ahead as this expansion may


@dataclass(frozen=True)
class Walk:
    instants: tuple[datetime, ...]
    stop: Stop


class _BudgetSpent(Exception):
    def __init__(self, stop: Stop) -> None:
        super().__init__(stop.value)
        self.stop = stop


class _Budget:
    __slots__ = ("gap", "gap_steps", "total")

    def __init__(self, total: int, gap: int) -> None:
        self.total = total
        self.gap = gap
        self.gap_steps = gap

    def spend(self) -> None:
        self.total -= 1
        self.gap -= 1
        if self.total < 0:
            raise _BudgetSpent(Stop.SPAN)
        if self.gap < 0:
            raise _BudgetSpent(Stop.GAP)

    def rearm(self) -> None:
        self.gap = self.gap_steps


# A context variable rather than a field on the rule: one cached rrule object may be
# iterated by several threads or tasks at once, each with its own budget.
_BUDGET: ContextVar[_Budget | None] = ContextVar("recurrence_step_budget", default=None)


class GuardedRRule(du.rrule):
    """dateutil's rrule whose period steps spend the budget of the running expansion."""

    @property
    def _byeaster(self) -> Any:
        budget = _BUDGET.get()
        if budget is not None:
            budget.spend()
        return self._guarded_byeaster

    @_byeaster.setter
    def _byeaster(self, value: Any) -> None:
        self._guarded_byeaster = value


def steps_for(freq: Freq, years: int) -> int:
    """A step budget that never binds before ``years`` of expansion.

    dateutil rebuilds at most once per month for DAILY, WEEKLY and MONTHLY and once
    per year for YEARLY, so this many steps cover ``years`` plus the look-back of a
    re-anchored start (less than one INTERVAL, i.e. a step or two).
    """
    per_year = 1 if freq is Freq.YEARLY else 12
    return (years + 3) * per_year + 4


def plus_years(moment: datetime, years: int) -> datetime:
    year = moment.year + years
    if year >= _CEILING_YEAR:
        return _CEILING
    try:
        return moment.replace(year=year)
    except ValueError:  # 29 February
        return moment.replace(year=year, day=28)


class _Collector:
    """Keeps the instants a walk returns: sorted, unique, after ``after``, up to the end."""

    __slots__ = ("after", "ends_at", "found", "limit", "stop")

    def __init__(self, after: datetime | None, ends_at: datetime | None, limit: int) -> None:
        self.after = after
        self.ends_at = ends_at
        self.limit = limit
        self.found: list[datetime] = []
        self.stop: Stop | None = None

    def offer(self, instant: datetime) -> bool:
        """Take ``instant``; True once the walk is done."""
        # Two local times can land on one instant (a gap-shifted time and the time it
        # was shifted to): they are one occurrence.
        if self.found and instant <= self.found[-1]:
            return False
        if self.after is not None and instant <= self.after:
            return False
        if self.ends_at is not None and instant > self.ends_at:
            self.stop = Stop.ENDED
            return True
        self.found.append(instant)
        if len(self.found) >= self.limit:
            self.stop = Stop.LIMIT
            return True
        return False


def walk(
    rule: du.rrule,
    freq: Freq,
    zone: ZoneInfo,
    *,
    reference: datetime,
    limit: int,
    span_years: int,
    after: datetime | None = None,
    ends_at: datetime | None = None,
    finite: bool = False,
) -> Walk:
    """Expand ``rule`` into at most ``limit`` UTC instants, within the time and work bounds.

    ``reference`` is the local wall time the gap and span are measured from; ``finite``
    says the rule has a COUNT or an UNTIL, so that dateutil running out means the series
    ended rather than that it reached year 9999.
    """
    collector = _Collector(after, ends_at, limit)
    span_end = plus_years(reference, span_years)
    gap_end = min(span_end, plus_years(reference, HORIZON_YEARS))
    frontier = reference
    # (instant, wall time it shows): an occurrence pushed forward out of a DST gap may
    # come after local times that follow it, so each one waits until the expansion
    # has passed the wall time it landed on.
    held: list[tuple[datetime, datetime]] = []
    stop = Stop.ENDED if finite else Stop.SPAN
    budget = _Budget(steps_for(freq, span_years), steps_for(freq, HORIZON_YEARS))
    token = _BUDGET.set(budget)
    try:
        for local in rule:
            if local > gap_end:
                stop = Stop.SPAN if local > span_end else Stop.GAP
                break
            budget.rearm()
            if local > frontier:
                frontier = local
                gap_end = min(span_end, plus_years(local, HORIZON_YEARS))
            instant = local_to_utc(local, zone)
            heapq.heappush(held, (instant, utc_to_local(instant, zone)))
            while held and held[0][1] <= local:
                if collector.offer(heapq.heappop(held)[0]):
                    return Walk(tuple(collector.found), collector.stop or Stop.LIMIT)
    except _BudgetSpent as spent:
        stop = spent.stop
    finally:
        _BUDGET.reset(token)
    while held:
        if collector.offer(heapq.heappop(held)[0]):
            break
    return Walk(tuple(collector.found), collector.stop or stop)
