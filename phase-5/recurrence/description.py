"""A rule in plain English: "Every Monday, Wednesday and Friday at 10:00 (America/New_York)".

The description shows the effective schedule: parts the rule leaves to DTSTART (the
weekday of a WEEKLY rule, the day of a MONTHLY one, the time of day) are read from the
start, so "weekly" started on a Tuesday at 09:00 reads "Every Tuesday at 09:00".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from recurrence.mode import Mode
from recurrence.rules import Freq, Rule
from recurrence.schedule import effective_params

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
_UNIT = {Freq.DAILY: "day", Freq.WEEKLY: "week", Freq.MONTHLY: "month", Freq.YEARLY: "year"}
_MAX_LISTED_TIMES = 6


def describe(
    rule: Rule,
    *,
    start: datetime,
    timezone: str,
    mode: Mode,
    count: int | None,
    ends_at_local: datetime | None,
) -> str:
    params = effective_params(rule, start)
    if mode is Mode.AFTER_COMPLETION:
        # The days left to DTSTART come from each completion, not from the start.
        weekdays = tuple((day.weekday, day.ordinal) for day in rule.byday)
        text = _schedule(rule, weekdays, rule.bymonth, rule.bymonthday)
    else:
        text = _schedule(rule, params.byweekday, params.bymonth, params.bymonthday)
    text += _times(params.byhour, params.byminute)
    if mode is Mode.AFTER_COMPLETION:
        text += ", counted from each completion"
    if count is not None:
        text += ", once" if count == 1 else f", {count} times"
    if ends_at_local is not None:
        text += f", until {ends_at_local:%Y-%m-%d %H:%M}"
    return f"{text} ({timezone})"


def _schedule(
    rule: Rule,
    weekdays: Sequence[tuple[int, int | None]],
    months: Sequence[int],
    monthdays: Sequence[int],
) -> str:
    unit = _UNIT[rule.freq]
    every = f"Every {unit}" if rule.interval == 1 else f"Every {rule.interval} {unit}s"
    plain_days = [day for day, ordinal in weekdays if ordinal is None]
    numbered = [(day, ordinal) for day, ordinal in weekdays if ordinal is not None]
    parts: list[str] = []
    if rule.freq in (Freq.DAILY, Freq.WEEKLY) and plain_days:
        if rule.interval == 1:
            every = f"Every {_day_list(plain_days)}"
        else:
            parts.append(f"on {_day_list(plain_days)}")
        plain_days = []
    month_dates = (
        rule.freq is Freq.YEARLY
        and len(monthdays) == 1
        and months
        and not (weekdays or rule.byweekno or rule.byyearday)
    )
    if month_dates:
        dates = [_month_date(month, monthdays[0]) for month in months]
        parts.append(f"on {_join(dates)}")
    else:
        if monthdays:
            parts.append(f"on the {_join([_day_of_month(day) for day in monthdays])}")
        if numbered:
            scope = " of the year" if rule.freq is Freq.YEARLY and not months else ""
            names = [f"the {_ordinal(n)} {_DAY_NAMES[day]}" for day, n in numbered]
            parts.append(f"on {_join(names)}{scope}")
        if plain_days and monthdays:
            names = [f"a {_DAY_NAMES[day]}" for day in plain_days]
            parts.append(f"if it is {_join(names, 'or')}")
        elif plain_days:
            parts.append(f"on {_join([f'{_DAY_NAMES[day]}s' for day in plain_days])}")
        if months:
            parts.append(f"in {_join([_MONTH_NAMES[month - 1] for month in months])}")
    if rule.byweekno:
        parts.append(f"in {_numbered_items(rule.byweekno, 'week')} of the year")
    if rule.byyearday:
        parts.append(f"on {_numbered_items(rule.byyearday, 'day')} of the year")
    if rule.bysetpos:
        chosen = _join([_ordinal(n) for n in rule.bysetpos])
        parts.append(f"taking only the {chosen} of those each {unit}")
    return " ".join([every, *parts])


def _times(hours: Sequence[int], minutes: Sequence[int]) -> str:
    times = sorted(f"{hour:02d}:{minute:02d}" for hour in hours for minute in minutes)
    if len(times) > _MAX_LISTED_TIMES:
        return f" at {times[0]}, {times[1]} \u2026 {times[-1]} ({len(times)} times a day)"
    return f" at {_join(times)}"


def _numbered_items(values: Sequence[int], noun: str) -> str:
    """ "day 1, 100 and 200", "week 1 and the last week"."""
    positives = [str(n) for n in values if n > 0]
    from_end = [f"the {_ordinal(n)} {noun}" for n in values if n < 0]
    if not from_end:
        return f"{noun} {_join(positives)}"
    counted = [f"{noun} {', '.join(positives)}"] if positives else []
    return _join([*counted, *from_end])


def _day_list(days: Sequence[int]) -> str:
    if tuple(days) == (0, 1, 2, 3, 4):
        return "weekday"
    return _join([_DAY_NAMES[day] for day in days])


def _month_date(month: int, day: int) -> str:
    if day > 0:
        return f"{_MONTH_NAMES[month - 1]} {day}"
    return f"the {_ordinal(day)} day of {_MONTH_NAMES[month - 1]}"


def _day_of_month(day: int) -> str:
    if day > 0:
        return _suffixed(day)
    return f"{_ordinal(day)} day"


def _ordinal(n: int) -> str:
    if n == -1:
        return "last"
    if n < 0:
        return f"{_ordinal(-n)}-to-last"
    return _ORDINAL_WORDS.get(n, _suffixed(n))


def _suffixed(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
