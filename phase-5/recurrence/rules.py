"""RFC 5545 RRULE: parsing, validation and the canonical string form.

Only FREQ=DAILY, WEEKLY, MONTHLY and YEARLY are accepted: tasks do not repeat more
often than daily, although a DAILY rule may carry several times a day
(BYHOUR/BYMINUTE). The text is tokenized here rather than by dateutil's rrulestr,
which lets a repeated part win silently and reports errors without naming the part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from recurrence.errors import RecurrenceError
from recurrence.limits import (
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_RULE_LENGTH,
    MAX_SETPOS_VALUES,
    MAX_TIMES_PER_DAY,
    MAX_YEAR,
    MIN_YEAR,
)

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Freq(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


@dataclass(frozen=True, order=True)
class ByDay:
    """One BYDAY entry: a weekday (0 = Monday) with an optional ordinal (``-1FR``)."""

    weekday: int
    ordinal: int | None = None

    def __str__(self) -> str:
        prefix = "" if self.ordinal is None else str(self.ordinal)
        return f"{prefix}{WEEKDAY_CODES[self.weekday]}"


UntilKind = Literal["utc", "local", "date"]


@dataclass(frozen=True)
class Until:
    """UNTIL as written: a UTC instant (``...Z``), a floating local time, or a date."""

    value: datetime
    kind: UntilKind


@dataclass(frozen=True)
class Rule:
    freq: Freq
    interval: int = 1
    count: int | None = None
    until: Until | None = None
    wkst: int = 0
    bymonth: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple[ByDay, ...] = field(default=())
    byhour: tuple[int, ...] = ()
    byminute: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()

    def without_end(self) -> Rule:
        return replace(self, count=None, until=None)

    def __str__(self) -> str:
        """Canonical form: fixed part order, sorted values, INTERVAL=1 and WKST=MO left out."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        for name, values in (
            ("BYMONTH", self.bymonth),
            ("BYWEEKNO", self.byweekno),
            ("BYYEARDAY", self.byyearday),
            ("BYMONTHDAY", self.bymonthday),
            ("BYDAY", self.byday),
            ("BYHOUR", self.byhour),
            ("BYMINUTE", self.byminute),
            ("BYSETPOS", self.bysetpos),
        ):
            if values:
                parts.append(f"{name}={','.join(str(v) for v in values)}")
        if self.wkst != 0:
            parts.append(f"WKST={WEEKDAY_CODES[self.wkst]}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={format_until(self.until)}")
        return ";".join(parts)


def format_until(until: Until) -> str:
    if until.kind == "date":
        return until.value.strftime("%Y%m%d")
    return until.value.strftime("%Y%m%dT%H%M%S") + ("Z" if until.kind == "utc" else "")


_KNOWN_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "WKST",
        "BYMONTH",
        "BYWEEKNO",
        "BYYEARDAY",
        "BYMONTHDAY",
        "BYDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSETPOS",
    }
)
# [0-9] rather than \d: \d also matches other scripts' digits, which int() accepts.
_INTEGER = re.compile(r"[+-]?[0-9]{1,4}")
_BYDAY_ITEM = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL_VALUE = re.compile(r"([0-9]{8})(?:T([0-9]{6})(Z)?)?")
_SUB_DAILY = {"HOURLY", "MINUTELY", "SECONDLY"}


def _fail(message: str) -> RecurrenceError:
    return RecurrenceError("rule", message)


def looks_like_rrule(text: str) -> bool:
    """RRULE text always has NAME=VALUE parts; a phrase never contains '='."""
    return "=" in text


def parse_rule(text: str) -> Rule:
    """Parse and validate an RRULE, with or without the ``RRULE:`` prefix."""
    if len(text) > MAX_RULE_LENGTH:
        raise _fail(f"The rule is too long: at most {MAX_RULE_LENGTH} characters")
    body = text.strip()
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    parts = _split_parts(body)
    if "FREQ" not in parts:
        raise _fail("The rule needs a FREQ part, such as FREQ=WEEKLY")
    rule = Rule(
        freq=_parse_freq(parts["FREQ"]),
        interval=_parse_bounded("INTERVAL", parts.get("INTERVAL", "1"), 1, MAX_INTERVAL),
        count=(_parse_bounded("COUNT", parts["COUNT"], 1, MAX_COUNT) if "COUNT" in parts else None),
        until=_parse_until(parts["UNTIL"]) if "UNTIL" in parts else None,
        wkst=_parse_weekday_code("WKST", parts.get("WKST", "MO")),
        bymonth=_int_list(parts, "BYMONTH", 1, 12, signed=False),
        byweekno=_int_list(parts, "BYWEEKNO", 1, 53, signed=True),
        byyearday=_int_list(parts, "BYYEARDAY", 1, 366, signed=True),
        bymonthday=_int_list(parts, "BYMONTHDAY", 1, 31, signed=True),
        byday=_parse_byday(parts["BYDAY"]) if "BYDAY" in parts else (),
        byhour=_int_list(parts, "BYHOUR", 0, 23, signed=False),
        byminute=_int_list(parts, "BYMINUTE", 0, 59, signed=False),
        bysetpos=_int_list(parts, "BYSETPOS", 1, 366, signed=True),
    )
    _check_combination(rule)
    return rule


def _split_parts(body: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for raw in body.split(";"):
        segment = raw.strip()
        if not segment:
            continue  # tolerate "FREQ=DAILY;" and doubled separators
        name, equals, value = segment.partition("=")
        name = name.strip().upper()
        value = value.strip().upper()
        if not equals or not name:
            raise _fail(f'"{segment[:40]}" is not a NAME=VALUE part of an RRULE')
        if name == "BYSECOND":
            raise _fail("BYSECOND is not supported: task times have minute precision")
        if name not in _KNOWN_PARTS:
            raise _fail(f'Unknown part "{name[:40]}" in the rule')
        if name in parts:
            raise _fail(f"{name} appears more than once in the rule")
        if not value:
            raise _fail(f"{name} has no value")
        parts[name] = value
    return parts


def _parse_freq(value: str) -> Freq:
    if value in _SUB_DAILY:
        raise _fail(
            f"FREQ={value} is not supported: tasks repeat at most daily. For several times "
            "a day use FREQ=DAILY with BYHOUR and BYMINUTE, such as "
            "FREQ=DAILY;BYHOUR=9,13,17;BYMINUTE=0"
        )
    try:
        return Freq(value)
    except ValueError:
        raise _fail(
            f'FREQ "{value[:20]}" is not valid: use DAILY, WEEKLY, MONTHLY or YEARLY'
        ) from None


_LONG_INTEGER = re.compile(r"[+-]?[0-9]+")


def _parse_int(name: str, item: str) -> int:
    if not _INTEGER.fullmatch(item):
        if _LONG_INTEGER.fullmatch(item):
            raise _fail(f'{name}: "{item[:20]}" is too large')
        raise _fail(f'{name}: "{item[:20]}" is not a whole number')
    return int(item)


def _parse_bounded(name: str, value: str, low: int, high: int) -> int:
    if _LONG_INTEGER.fullmatch(value) and not _INTEGER.fullmatch(value):
        raise _fail(f"{name} must be from {low} to {high}, not {value[:20]}")
    number = _parse_int(name, value)
    if not low <= number <= high:
        raise _fail(f"{name} must be from {low} to {high}, not {value}")
    return number


def _int_list(
    parts: dict[str, str], name: str, low: int, high: int, *, signed: bool
) -> tuple[int, ...]:
    if name not in parts:
        return ()
    values: set[int] = set()
    for raw in parts[name].split(","):
        item = raw.strip()
        number = _parse_int(name, item)
        if signed:
            if not low <= abs(number) <= high:
                raise _fail(
                    f"{name}: {item} is out of range (from {low} to {high} or "
                    f"from -{high} to -{low})"
                )
        elif item.startswith("-") or not low <= number <= high:
            raise _fail(f"{name}: {item} is out of range (from {low} to {high})")
        values.add(number)
    return _canonical_order(values)


def _canonical_order(values: Iterable[int]) -> tuple[int, ...]:
    # Positive values first, then the ones counted from the end: "1,15,-1".
    return tuple(sorted(values, key=lambda n: (n < 0, n)))


def _parse_weekday_code(name: str, value: str) -> int:
    if value not in WEEKDAY_CODES:
        raise _fail(f'{name}: "{value[:20]}" is not a weekday (MO, TU, WE, TH, FR, SA, SU)')
    return WEEKDAY_CODES.index(value)


def _parse_byday(value: str) -> tuple[ByDay, ...]:
    days: set[ByDay] = set()
    for raw in value.split(","):
        item = raw.strip()
        match = _BYDAY_ITEM.fullmatch(item)
        if match is None:
            raise _fail(f'BYDAY: "{item[:20]}" is not a weekday such as MO, 1MO or -1FR')
        ordinal = int(match.group(1)) if match.group(1) else None
        if ordinal is not None and not 1 <= abs(ordinal) <= 53:
            raise _fail(f"BYDAY: the number in {item} must be from 1 to 53 or -53 to -1")
        days.add(ByDay(WEEKDAY_CODES.index(match.group(2)), ordinal))
    return tuple(sorted(days, key=_byday_order))


def _byday_order(day: ByDay) -> tuple[int, int, int]:
    if day.ordinal is None:
        return (day.weekday, 0, 0)
    return (day.weekday, 1 if day.ordinal > 0 else 2, day.ordinal)


def _parse_until(value: str) -> Until:
    match = _UNTIL_VALUE.fullmatch(value)
    if match is None:
        raise _fail(
            f'UNTIL: "{value[:30]}" is not a date (YYYYMMDD) or a date-time (YYYYMMDDTHHMMSSZ)'
        )
    digits = match.group(1) + (match.group(2) or "000000")
    try:
        moment = datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        raise _fail(f"UNTIL: {value} is not a real date") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise _fail(f"UNTIL: the year must be from {MIN_YEAR} to {MAX_YEAR}")
    kind: UntilKind = "date" if match.group(2) is None else "utc" if match.group(3) else "local"
    return Until(moment, kind)


def _check_combination(rule: Rule) -> None:
    """The RFC 5545 constraints between parts, plus our own cost limits."""
    freq = rule.freq
    if rule.count is not None and rule.until is not None:
        raise _fail("COUNT and UNTIL cannot both be given: choose a count or an end date")
    if rule.byweekno and freq is not Freq.YEARLY:
        raise _fail("BYWEEKNO is only allowed with FREQ=YEARLY")
    if rule.byyearday and freq is not Freq.YEARLY:
        raise _fail("BYYEARDAY is only allowed with FREQ=YEARLY")
    if rule.bymonthday and freq is Freq.WEEKLY:
        raise _fail("BYMONTHDAY is not allowed with FREQ=WEEKLY")
    _check_byday_ordinals(rule)
    if rule.bysetpos:
        others = (
            rule.bymonth,
            rule.byweekno,
            rule.byyearday,
            rule.bymonthday,
            rule.byday,
            rule.byhour,
            rule.byminute,
        )
        if not any(others):
            raise _fail("BYSETPOS needs another BY part to select from, such as BYDAY")
        if len(rule.bysetpos) > MAX_SETPOS_VALUES:
            raise _fail(f"BYSETPOS may list at most {MAX_SETPOS_VALUES} positions")
    times = max(len(rule.byhour), 1) * max(len(rule.byminute), 1)
    if times > MAX_TIMES_PER_DAY:
        raise _fail(
            f"BYHOUR and BYMINUTE give {times} times a day; a task may repeat at most "
            f"{MAX_TIMES_PER_DAY} times a day (every 15 minutes)"
        )


def _check_byday_ordinals(rule: Rule) -> None:
    numbered = [(day, day.ordinal) for day in rule.byday if day.ordinal is not None]
    if not numbered:
        return
    if rule.freq not in (Freq.MONTHLY, Freq.YEARLY):
        raise _fail(
            f"BYDAY: a numbered weekday such as {numbered[0][0]} needs FREQ=MONTHLY or FREQ=YEARLY"
        )
    if rule.freq is Freq.YEARLY and rule.byweekno:
        raise _fail("BYDAY: a numbered weekday cannot be combined with BYWEEKNO")
    within_month = rule.freq is Freq.MONTHLY or bool(rule.bymonth)
    for day, ordinal in numbered:
        if within_month and abs(ordinal) > 5:
            raise _fail(f"BYDAY: {day} can never occur: a month has at most 5 of each weekday")
