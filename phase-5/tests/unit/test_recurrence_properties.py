"""Property tests: ordering, agreement with dateutil from DTSTART, rule membership,
next_after against preview, COUNT and UNTIL."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from recurrence import (
    HORIZON_YEARS,
    SPAN_YEARS,
    Recurrence,
    RecurrenceError,
    parse_recurrence,
    to_utc,
)
from recurrence.rules import Freq, Rule, parse_rule

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
DST_ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
]
FIXED_ZONES = ["UTC", "Asia/Kolkata", "Asia/Tokyo"]
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _values(draw: st.DrawFn, choices: list[int], most: int) -> str:
    picked = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=most, unique=True))
    return ",".join(str(value) for value in picked)


@st.composite
def rule_texts(draw: st.DrawFn) -> str:
    """Valid rules, dense enough to occur within the horizon most of the time."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    interval = draw(st.sampled_from([1, 1, 1, 2, 3, 5]))
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    if freq != "DAILY" and draw(st.integers(0, 3)) == 0:
        parts.append(f"BYMONTH={_values(draw, list(range(1, 13)), 6)}")
    by_day_kind = draw(st.sampled_from(["none", "plain", "numbered"]))
    if by_day_kind == "plain" or (by_day_kind == "numbered" and freq in ("DAILY", "WEEKLY")):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True))
        parts.append("BYDAY=" + ",".join(days))
    elif by_day_kind == "numbered":
        limit = 4 if freq == "MONTHLY" or any(p.startswith("BYMONTH=") for p in parts) else 40
        numbered = draw(
            st.lists(
                st.tuples(
                    st.sampled_from([n for n in range(-limit, limit + 1) if n]),
                    st.sampled_from(DAYS),
                ),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        parts.append("BYDAY=" + ",".join(f"{n}{day}" for n, day in numbered))
    elif freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        parts.append(f"BYMONTHDAY={_values(draw, [*range(1, 29), -1, -2, -3, 30, 31], 3)}")
    no_byday = not any(part.startswith("BYDAY=") for part in parts)
    if freq == "YEARLY" and no_byday and draw(st.integers(0, 4)) == 0:
        parts.append(f"BYYEARDAY={_values(draw, [1, 32, 100, 200, 365, -1, -100], 3)}")
    if draw(st.booleans()):
        parts.append(f"BYHOUR={_values(draw, list(range(24)), 3)}")
    if draw(st.booleans()):
        parts.append(f"BYMINUTE={_values(draw, [0, 15, 30, 45, 59], 2)}")
    if any(part.startswith("BY") for part in parts) and draw(st.integers(0, 4)) == 0:
        parts.append(f"BYSETPOS={_values(draw, [1, 2, -1, -2], 2)}")
    return ";".join(draw(st.permutations(parts)))


starts = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


def build(rule: str, zone: str, start: datetime, **options: object) -> Recurrence:
    now = to_utc(start, zone) - timedelta(days=1)
    try:
        return parse_recurrence(rule, timezone=zone, now=now, start=start, **options)  # type: ignore[arg-type]
    except RecurrenceError as error:
        # Only rules too rare for a task may be refused here; everything else is valid.
        too_rare = error.field == "rule" and "10 years" in error.message
        too_long = error.field == "count" and "cannot reach COUNT" in error.message
        assert too_rare or too_long, error.message
        assume(False)
        raise


def oracle(rule: str, zone: str, start: datetime, n: int) -> list[datetime]:
    """dateutil from DTSTART, naive, with our DST policy, the 10-year gap and 100-year span."""
    instants: set[datetime] = set()
    previous = start
    span_end = start + relativedelta(years=SPAN_YEARS)
    for index, local in enumerate(rrulestr(rule, dtstart=start)):
        if local > previous + relativedelta(years=HORIZON_YEARS) or local > span_end:
            break
        previous = local
        instants.add(to_utc(local, zone))
        # A day's worth past the n-th local time settles any DST reordering.
        if index >= n and local > start + timedelta(days=400):
            break
        if index >= 3 * n + 200:
            break
    return sorted(instants)[:n]


@SETTINGS
@given(rule=rule_texts(), zone=st.sampled_from(DST_ZONES + FIXED_ZONES), start=starts)
def test_occurrences_strictly_increase_and_are_utc(rule: str, zone: str, start: datetime) -> None:
    occurrences = build(rule, zone, start).preview(40)
    assert occurrences
    assert all(moment.tzinfo is UTC for moment in occurrences)
    assert all(a < b for a, b in pairwise(occurrences))


@SETTINGS
@given(rule=rule_texts(), zone=st.sampled_from(DST_ZONES + FIXED_ZONES), start=starts)
def test_preview_matches_dateutil_expanded_from_dtstart(
    rule: str, zone: str, start: datetime
) -> None:
    recurrence = build(rule, zone, start)
    ours = recurrence.preview(25)
    expected = oracle(rule, zone, start, 25)
    assert ours == expected[: len(ours)]
    assert len(ours) == len(expected)


@SETTINGS
@given(
    rule=rule_texts(),
    zone=st.sampled_from(DST_ZONES + FIXED_ZONES),
    start=starts,
    offsets=st.lists(st.integers(-3 * 86400, 4 * 365 * 86400), min_size=1, max_size=5),
)
def test_next_after_agrees_with_preview(
    rule: str, zone: str, start: datetime, offsets: list[int]
) -> None:
    recurrence = build(rule, zone, start)
    occurrences = recurrence.preview(30)
    for earlier, later in pairwise(occurrences):
        assert recurrence.next_after(earlier) == later
        assert recurrence.next_after(later - timedelta(seconds=1)) == later
    start_utc = to_utc(start, zone)
    for offset in offsets:
        cursor = start_utc + timedelta(seconds=offset)
        following = recurrence.next_after(cursor)
        assert following is None or following > cursor
        window = recurrence.preview(3, after=cursor)
        assert window[:1] == ([following] if following else [])
        if cursor < occurrences[-1]:
            expected = [moment for moment in occurrences if moment > cursor]
            assert following == expected[0]
            assert window[: len(expected)] == expected[:3]


def _month_ordinal_ok(local: datetime, n: int, scope_len: int, position: int) -> bool:
    return (position - 1) // 7 + 1 == n if n > 0 else (scope_len - position) // 7 + 1 == -n


def satisfies(rule: Rule, start: datetime, local: datetime) -> bool:
    """An independent check of the parts a plain predicate can decide."""
    month_len = calendar.monthrange(local.year, local.month)[1]
    year_len = 366 if calendar.isleap(local.year) else 365
    yday = local.timetuple().tm_yday
    day_parts = rule.byday or rule.bymonthday or rule.byyearday or rule.byweekno
    checks = [
        local >= start,
        local.hour in (rule.byhour or (start.hour,)),
        local.minute in (rule.byminute or (start.minute,)),
        local.second == 0,
        not rule.bymonth or local.month in rule.bymonth,
        not rule.bymonthday
        or local.day in rule.bymonthday
        or local.day - month_len - 1 in rule.bymonthday,
        not rule.byyearday or yday in rule.byyearday or yday - year_len - 1 in rule.byyearday,
    ]
    if rule.byday:
        matches = []
        for day in rule.byday:
            if day.ordinal is None:
                matches.append(local.weekday() == day.weekday)
            elif rule.freq is Freq.MONTHLY or rule.bymonth:
                matches.append(
                    local.weekday() == day.weekday
                    and _month_ordinal_ok(local, day.ordinal, month_len, local.day)
                )
            else:
                matches.append(
                    local.weekday() == day.weekday
                    and _month_ordinal_ok(local, day.ordinal, year_len, yday)
                )
        checks.append(any(matches))
    if not day_parts:
        if rule.freq is Freq.WEEKLY:
            checks.append(local.weekday() == start.weekday())
        if rule.freq in (Freq.MONTHLY, Freq.YEARLY):
            checks.append(local.day == start.day)
        if rule.freq is Freq.YEARLY and not rule.bymonth:
            checks.append(local.month == start.month)
    interval = rule.interval
    if rule.freq is Freq.DAILY:
        checks.append((local.date() - start.date()).days % interval == 0)
    elif rule.freq is Freq.WEEKLY:
        week = timedelta(days=(local.weekday() - rule.wkst) % 7)
        first = timedelta(days=(start.weekday() - rule.wkst) % 7)
        weeks = ((local.date() - week) - (start.date() - first)).days // 7
        checks.append(weeks % interval == 0)
    elif rule.freq is Freq.MONTHLY:
        months = (local.year - start.year) * 12 + local.month - start.month
        checks.append(months % interval == 0)
    else:
        checks.append((local.year - start.year) % interval == 0)
    return all(checks)


@SETTINGS
@given(rule=rule_texts(), zone=st.sampled_from(FIXED_ZONES), start=starts)
def test_each_occurrence_satisfies_the_rule(rule: str, zone: str, start: datetime) -> None:
    recurrence = build(rule, zone, start)
    parsed = parse_rule(rule)
    tz = ZoneInfo(zone)
    for moment in recurrence.preview(40):
        local = moment.astimezone(tz).replace(tzinfo=None)
        assert satisfies(parsed, start, local), (rule, start, local)


@SETTINGS
@given(
    rule=rule_texts(),
    zone=st.sampled_from(FIXED_ZONES + DST_ZONES),
    start=starts,
    count=st.integers(1, 30),
)
def test_count_is_honoured(rule: str, zone: str, start: datetime, count: int) -> None:
    recurrence = build(f"{rule};COUNT={count}", zone, start)
    occurrences = recurrence.preview(count + 10)
    expected = oracle(f"{rule};COUNT={count}", zone, start, count + 10)
    assert occurrences == expected
    if zone in FIXED_ZONES:
        assert len(occurrences) == count
    assert recurrence.next_after(occurrences[-1]) is None
    assert recurrence.count == count
    assert recurrence.rrule == str(parse_rule(rule))


@SETTINGS
@given(
    rule=rule_texts(),
    zone=st.sampled_from(FIXED_ZONES + DST_ZONES),
    start=starts,
    days=st.integers(1, 3 * 365),
)
def test_until_is_honoured(rule: str, zone: str, start: datetime, days: int) -> None:
    ends_at = to_utc(start, zone) + timedelta(days=days)
    until = ends_at.strftime("%Y%m%dT%H%M%SZ")
    try:
        recurrence = parse_recurrence(
            f"{rule};UNTIL={until}",
            timezone=zone,
            now=ends_at - timedelta(days=days + 1),
            start=start,
        )
    except RecurrenceError as error:
        assert error.field in ("rule", "ends_at"), error.message
        assume(False)
        raise
    assert recurrence.ends_at == ends_at
    occurrences = recurrence.preview(60)
    assert all(moment <= ends_at for moment in occurrences)
    unbounded = [moment for moment in oracle(rule, zone, start, 60) if moment <= ends_at]
    assert occurrences == unbounded[: len(occurrences)]
    if len(occurrences) < 60:
        assert occurrences == unbounded
        last = occurrences[-1] if occurrences else ends_at - timedelta(days=days + 1)
        assert recurrence.next_after(last) is None
