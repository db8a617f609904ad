"""A rule bound to its start, zone and end, and re-anchored near any cursor.

To answer "next after a cursor" in microseconds for a series that started years ago,
the expansion restarts near the cursor instead of replaying from DTSTART: every part
dateutil would take from DTSTART (time of day, weekday, day of month, month) is made
explicit, and the new DTSTART keeps the INTERVAL phase of the original one.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from recurrence.expansion import (
    CEILING_UTC,
    SHIFT_MARGIN,
    GuardedRRule,
    Stop,
    Walk,
    walk,
)
from recurrence.limits import HORIZON_YEARS, SPAN_YEARS
from recurrence.rules import Freq, Rule
from recurrence.zones import local_to_utc, utc_to_local

_DATEUTIL_FREQ: dict[Freq, Literal[0, 1, 2, 3]] = {
    Freq.DAILY: du.DAILY,
    Freq.WEEKLY: du.WEEKLY,
    Freq.MONTHLY: du.MONTHLY,
    Freq.YEARLY: du.YEARLY,
}
_FLOOR_UTC = datetime(1800, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Params:
    """dateutil arguments with every part dateutil would take from DTSTART made explicit."""

    freq: Freq
    interval: int
    wkst: int
    bymonth: tuple[int, ...]
    byweekno: tuple[int, ...]
    byyearday: tuple[int, ...]
    bymonthday: tuple[int, ...]
    byweekday: tuple[tuple[int, int | None], ...]
    byhour: tuple[int, ...]
    byminute: tuple[int, ...]
    bysetpos: tuple[int, ...]

    def build(
        self, dtstart: datetime, *, until: datetime | None = None, count: int | None = None
    ) -> du.rrule:
        return GuardedRRule(
            _DATEUTIL_FREQ[self.freq],
            dtstart=dtstart,
            interval=self.interval,
            wkst=self.wkst,
            count=count,
            until=until,
            bysetpos=self.bysetpos or None,
            bymonth=self.bymonth or None,
            bymonthday=self.bymonthday or None,
            byyearday=self.byyearday or None,
            byweekno=self.byweekno or None,
            byweekday=[du.weekday(day, n) for day, n in self.byweekday] or None,
            byhour=self.byhour,
            byminute=self.byminute,
            bysecond=(0,),
        )


def effective_params(rule: Rule, anchor: datetime, *, clamp_month_end: bool = False) -> Params:
    """The rule with dateutil's DTSTART defaults filled in from ``anchor``.

    ``clamp_month_end`` (after-completion mode) turns a day of month taken from the
    anchor into "that day, or the month's last day when the month is shorter", so a
    monthly task completed on the 31st is due on the 30th or 28th, not two months later.
    """
    bymonth, bymonthday, byweekday = rule.bymonth, rule.bymonthday, rule.byday
    bysetpos = rule.bysetpos
    byhour = rule.byhour or (anchor.hour,)
    byminute = rule.byminute or (anchor.minute,)
    weekdays = tuple((day.weekday, day.ordinal) for day in byweekday)
    if not (rule.byweekno or rule.byyearday or rule.bymonthday or rule.byday):
        if rule.freq in (Freq.MONTHLY, Freq.YEARLY):
            if rule.freq is Freq.YEARLY and not bymonth:
                bymonth = (anchor.month,)
            bymonthday = (anchor.day,)
            single_month = rule.freq is Freq.MONTHLY or len(bymonth) == 1
            if clamp_month_end and anchor.day >= 29 and not bysetpos and single_month:
                bymonthday = (anchor.day, -1)
                # Positions count (day, time) pairs: keep every time of the first day.
                bysetpos = tuple(range(1, len(byhour) * len(byminute) + 1))
        elif rule.freq is Freq.WEEKLY:
            weekdays = ((anchor.weekday(), None),)
    return Params(
        freq=rule.freq,
        interval=rule.interval,
        wkst=rule.wkst,
        bymonth=bymonth,
        byweekno=rule.byweekno,
        byyearday=rule.byyearday,
        bymonthday=bymonthday,
        byweekday=weekdays,
        byhour=byhour,
        byminute=byminute,
        bysetpos=bysetpos,
    )


def period_index(freq: Freq, wkst: int, day: date) -> int:
    """A number that grows by one from each period (day, week, month, year) to the next."""
    if freq is Freq.DAILY:
        return day.toordinal()
    if freq is Freq.WEEKLY:
        return (day.toordinal() - (day.weekday() - wkst) % 7) // 7
    if freq is Freq.MONTHLY:
        return day.year * 12 + day.month - 1
    return day.year


def period_start(freq: Freq, wkst: int, index: int) -> date:
    if freq is Freq.DAILY:
        return date.fromordinal(index)
    if freq is Freq.WEEKLY:
        # date.fromordinal(1) is a Monday, so weeks starting on `wkst` have
        # ordinals congruent to wkst + 1 modulo 7.
        return date.fromordinal(index * 7 + (wkst + 1) % 7)
    if freq is Freq.MONTHLY:
        return date(index // 12, index % 12 + 1, 1)
    return date(index, 1, 1)


class Expander:
    """A rule bound to its start, zone and end: the compiled form a Recurrence caches."""

    def __init__(
        self,
        rule: Rule,
        start: datetime,
        zone: ZoneInfo,
        *,
        count: int | None,
        ends_at: datetime | None,
    ) -> None:
        self.rule = rule
        self.start = start
        self.zone = zone
        self.count = count
        self.ends_at = ends_at
        self.params = effective_params(rule, start)
        self.start_utc = local_to_utc(start, zone)
        # dateutil compares UNTIL with naive local times; give it a margin so it stops
        # soon after the end, and apply the exact end to UTC instants in the walk.
        self._until = None if ends_at is None else utc_to_local(ends_at, zone) + SHIFT_MARGIN
        self.base = self.params.build(start, until=self._until, count=count)
        self._counted: Walk | None = None

    def counted(self) -> Walk:
        """All occurrences of a COUNT series, expanded once from DTSTART."""
        if self._counted is None:
            assert self.count is not None
            found = walk(
                self.base,
                self.rule.freq,
                self.zone,
                reference=self.start,
                limit=self.count,
                span_years=SPAN_YEARS,
                finite=True,
            )
            # Reaching COUNT is the end of the series, not merely a full page.
            stop = Stop.ENDED if found.stop is Stop.LIMIT else found.stop
            self._counted = Walk(found.instants, stop)
        return self._counted

    def following(self, after: datetime | None, limit: int, span_years: int) -> Walk:
        """Up to ``limit`` occurrences strictly after the instant ``after`` (None: from DTSTART)."""
        if after is not None and after >= CEILING_UTC:
            return Walk((), Stop.SPAN)
        if self.count is not None:
            return self._from_counted(after, limit)
        if after is None or after < self.start_utc - SHIFT_MARGIN:
            return walk(
                self.base,
                self.rule.freq,
                self.zone,
                reference=self.start,
                limit=limit,
                span_years=span_years,
                after=after,
                ends_at=self.ends_at,
                finite=self.ends_at is not None,
            )
        cursor = utc_to_local(after, self.zone)
        # Only an occurrence pushed forward out of a DST gap can have a wall time before
        # the cursor's and an instant after it; without a transition nearby, start at
        # the cursor itself.
        earlier = (after - SHIFT_MARGIN).astimezone(self.zone).utcoffset()
        near_transition = earlier != after.astimezone(self.zone).utcoffset()
        dtstart = self._anchor(cursor - SHIFT_MARGIN if near_transition else cursor)
        return walk(
            self.params.build(dtstart, until=self._until),
            self.rule.freq,
            self.zone,
            reference=max(cursor, self.start),
            limit=limit,
            span_years=span_years,
            after=after,
            ends_at=self.ends_at,
            finite=self.ends_at is not None,
        )

    def after_completion(self, completed_at: datetime) -> Walk:
        """The next due date counted from a completion (semantics: the package docstring)."""
        if not _FLOOR_UTC <= completed_at < CEILING_UTC:
            return Walk((), Stop.SPAN)
        done = utc_to_local(completed_at, self.zone)
        anchor = datetime.combine(done.date(), self.start.time())
        params = effective_params(self.rule, anchor, clamp_month_end=True)
        rule = self.rule
        index = period_index(rule.freq, rule.wkst, anchor.date()) + rule.interval
        dtstart = datetime.combine(period_start(rule.freq, rule.wkst, index), time())
        return walk(
            params.build(dtstart, until=self._until),
            rule.freq,
            self.zone,
            reference=done,
            limit=1,
            span_years=HORIZON_YEARS,
            after=completed_at,
            ends_at=self.ends_at,
            finite=self.ends_at is not None,
        )

    def _from_counted(self, after: datetime | None, limit: int) -> Walk:
        series = self.counted()
        first = 0 if after is None else bisect_right(series.instants, after)
        chosen = series.instants[first : first + limit]
        stop = Stop.LIMIT if len(chosen) == limit else series.stop
        return Walk(chosen, stop)

    def _anchor(self, target: datetime) -> datetime:
        """A DTSTART from which dateutil yields exactly the series' occurrences >= target."""
        if target <= self.start:
            return self.start
        rule = self.rule
        first = period_index(rule.freq, rule.wkst, self.start.date())
        here = period_index(rule.freq, rule.wkst, target.date())
        behind = (here - first) % rule.interval
        if behind:
            following = period_start(rule.freq, rule.wkst, here + rule.interval - behind)
            return datetime.combine(following, time())
        if rule.freq is Freq.WEEKLY and rule.bysetpos:
            # dateutil's first week runs from DTSTART to the next WKST only, and BYSETPOS
            # counts within that partial week: start the week whole.
            whole = datetime.combine(period_start(rule.freq, rule.wkst, here), time())
            return max(whole, self.start)
        return target
