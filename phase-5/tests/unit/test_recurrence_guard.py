"""The runaway guard: no input makes a call run long.

Work is counted, not timed (a timed assert fails on a loaded machine and passes on a slow
guard): every period dateutil steps into reads ``GuardedRRule._byeaster``, and each single
call must return or raise RecurrenceError within STEP_BOUND such reads. Without the guard,
dateutil walks to year 9999 on a rule that never matches: about 96,000 steps for a DAILY
rule. bench/bench_recurrence.py prints the times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recurrence import Recurrence, RecurrenceError, compile_phrase, parse_recurrence
from recurrence.expansion import GuardedRRule, Stop, steps_for, walk
from recurrence.limits import SPAN_YEARS
from recurrence.rules import Freq, parse_rule
from recurrence.schedule import effective_params
from recurrence.zones import load_zone

# Eight full-span walks: a parse makes up to four bounded walks, a preview one more.
STEP_BOUND = 8 * steps_for(Freq.DAILY, SPAN_YEARS)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T = TypeVar("T")

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class _StepCounter:
    """Counts every period step of every rrule, guarded by a budget or not."""

    def __init__(self) -> None:
        self.steps = 0
        guarded = GuardedRRule.__dict__["_byeaster"]
        counter = self

        def counting(rule: GuardedRRule) -> object:
            counter.steps += 1
            return guarded.fget(rule)

        GuardedRRule._byeaster = property(counting, guarded.fset)  # type: ignore[method-assign,assignment]


STEPS = _StepCounter()


def timed(call: Callable[[], T]) -> T | None:
    """Run ``call``; it must return or raise RecurrenceError within STEP_BOUND steps."""
    began = STEPS.steps
    try:
        return call()
    except RecurrenceError:
        return None
    finally:
        spent = STEPS.steps - began
        assert spent <= STEP_BOUND, f"took {spent} steps"


def exercise(recurrence: Recurrence, cursor: datetime) -> datetime | None:
    """Every public call on ``recurrence``, each bounded; returns ``next_after(cursor)``."""
    following = timed(lambda: recurrence.next_after(cursor))
    timed(lambda: recurrence.preview(50))
    timed(lambda: recurrence.preview(20, after=cursor))
    timed(lambda: recurrence.next_after_completion(cursor, completed_count=1))
    timed(lambda: recurrence.occurrence_index(cursor))
    timed(lambda: recurrence.description)
    timed(lambda: Recurrence.from_dict(recurrence.to_dict()))
    return following


IMPOSSIBLE_OR_RARE = [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30,31;BYDAY=MO;BYHOUR=0,1,2,3;BYMINUTE=0,15,30,45",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=1",
    "FREQ=WEEKLY;BYMONTH=2;BYDAY=MO;INTERVAL=1000",
    "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=-2",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;BYMONTH=2;BYDAY=5MO;BYMONTHDAY=1",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-31,31",
    "FREQ=MONTHLY;INTERVAL=1000;BYMONTHDAY=31;BYMONTH=2",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=1,2,3,4,5,6,7,8,9,10;BYDAY=MO",
    "FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1",
    "FREQ=YEARLY;BYDAY=53MO;BYYEARDAY=1,2,3",
    "FREQ=YEARLY;BYWEEKNO=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
    "28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53;BYYEARDAY=-1,"
    "-2,-3;BYMONTHDAY=1,2,3;BYDAY=MO;BYSETPOS=" + ",".join(str(n) for n in range(1, 32)),
    "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45;BYSETPOS=-1"
    ";BYMONTH=2;BYMONTHDAY=30",
]


@pytest.mark.parametrize("rule", IMPOSSIBLE_OR_RARE)
def test_impossible_or_rare_rule_is_rejected_quickly(rule: str) -> None:
    began = STEPS.steps
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(rule, timezone="America/New_York", now=NOW)
    assert STEPS.steps - began <= STEP_BOUND
    assert caught.value.field == "rule"
    assert "10 years" in caught.value.message


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_the_step_budget_stops_dateutil_before_year_9999(rule: str) -> None:
    # Unguarded, dateutil would exhaust at year 9999 and the walk would report ENDED.
    params = effective_params(parse_rule(rule), datetime(2026, 3, 2, 9))
    start = datetime(2026, 3, 2, 9)
    found = walk(
        params.build(start),
        params.freq,
        load_zone("UTC"),
        reference=start,
        limit=1,
        span_years=100,
    )
    assert found.instants == ()
    assert found.stop is Stop.GAP


def test_series_built_without_checks_cannot_run_away() -> None:
    # from_dict/constructor skip the horizon check: expansion must still be bounded.
    for rule in IMPOSSIBLE_OR_RARE:
        recurrence = timed(
            lambda rule=rule: Recurrence(  # type: ignore[misc]
                rrule=rule, timezone="Australia/Sydney", start=datetime(2026, 3, 2, 9)
            )
        )
        assert recurrence is not None
        assert timed(lambda recurrence=recurrence: recurrence.preview(50)) == []  # type: ignore[misc]
        exercise(recurrence, NOW + timedelta(days=400))


PART_NAMES = [
    "FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYMONTH", "BYWEEKNO", "BYYEARDAY",
    "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE", "BYSETPOS", "BYSECOND", "BYEASTER", "X-FOO",
]  # fmt: skip
atoms = st.one_of(
    st.integers(-400, 400).map(str),
    st.sampled_from(
        [
            "DAILY",
            "WEEKLY",
            "MONTHLY",
            "YEARLY",
            "HOURLY",
            "MINUTELY",
            "MO",
            "SU",
            "1MO",
            "-1FR",
            "53TH",
            "-5SA",
            "20MO",
            "6MO",
            "0",
            "00",
            "+3",
            "99999999",
            "20260301T000000Z",
            "21000101",
            "19000101T000000",
            "20261301",
            "",
            " ",
            "Z",
            "\u0663",
        ]
    ),
    st.text(alphabet="0123456789+-,TZMOUWEHFRSA", max_size=8),
)
values = st.lists(atoms, min_size=1, max_size=6).map(",".join)
hostile_rules = st.lists(
    st.tuples(st.sampled_from(PART_NAMES), values), min_size=0, max_size=8
).map(lambda parts: ";".join(f"{name}={value}" for name, value in parts))
dense_hostile_rules = st.builds(
    lambda freq, rest: f"FREQ={freq};{rest}",
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    hostile_rules,
)
zones = st.sampled_from(
    ["UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Pacific/Apia",
     "Australia/Lord_Howe", "Pacific/Kiritimati", "Etc/GMT+12"]
)  # fmt: skip
instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9000, 12, 31), timezones=st.just(UTC)
)


@SETTINGS
@given(
    rule=st.one_of(hostile_rules, dense_hostile_rules),
    zone=zones,
    start=st.none() | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2036, 1, 1)),
    now=instants,
    cursor=instants,
    count=st.none() | st.integers(-2, 1002),
)
def test_hostile_rules_return_or_raise_quickly(
    rule: str,
    zone: str,
    start: datetime | None,
    now: datetime,
    cursor: datetime,
    count: int | None,
) -> None:
    recurrence = timed(
        lambda: parse_recurrence(rule, timezone=zone, now=now, start=start, count=count)
    )
    if recurrence is not None:
        following = exercise(recurrence, cursor)
        assert following is None or following > cursor


in_range_parts = st.lists(
    st.one_of(
        st.builds("INTERVAL={}".format, st.integers(1, 1000)),
        st.builds("BYMONTH={}".format, st.integers(1, 12)),
        st.builds("BYMONTHDAY={}".format, st.sampled_from([1, 13, 28, 29, 30, 31, -1, -29, -31])),
        st.builds("BYYEARDAY={}".format, st.sampled_from([1, 59, 60, 366, -1, -366])),
        st.builds("BYWEEKNO={}".format, st.sampled_from([1, 20, 52, 53, -1, -53])),
        st.builds(
            "BYDAY={}{}".format,
            st.sampled_from(["", "1", "5", "-1", "-5", "20", "53"]),
            st.sampled_from(["MO", "FR", "SU"]),
        ),
        st.builds("BYHOUR={}".format, st.sampled_from(["0", "23", "0,12", "2,3"])),
        st.builds("BYMINUTE={}".format, st.sampled_from(["0", "59", "0,15,30,45"])),
        st.builds("BYSETPOS={}".format, st.sampled_from([1, -1, 7, 366, -366])),
        st.builds("WKST={}".format, st.sampled_from(["MO", "TH", "SU"])),
    ),
    max_size=5,
    unique_by=lambda part: part.split("=")[0],
)
valid_looking_rules = st.builds(
    lambda freq, parts: ";".join([f"FREQ={freq}", *parts]),
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    in_range_parts,
)


@SETTINGS
@given(
    rule=valid_looking_rules,
    zone=zones,
    start=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2036, 1, 1)),
    cursor=instants,
)
def test_in_range_rules_with_extreme_dates_return_quickly(
    rule: str, zone: str, start: datetime, cursor: datetime
) -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    recurrence = timed(lambda: parse_recurrence(rule, timezone=zone, now=now, start=start))
    if recurrence is None:
        # Refused by the checks: the same rule built without them must still be bounded.
        recurrence = timed(lambda: Recurrence(rrule=rule, timezone=zone, start=start))
    if recurrence is not None:
        following = exercise(recurrence, cursor)
        assert following is None or following > cursor
        page = timed(lambda: recurrence.preview(1000, after=cursor)) or []
        assert all(later > earlier for earlier, later in pairwise(page))


@SETTINGS
@given(
    text=st.text(max_size=120)
    | st.lists(
        st.sampled_from(
            [
                "every",
                "other",
                "day",
                "days",
                "week",
                "month",
                "year",
                "on",
                "the",
                "last",
                "first",
                "monday",
                "fri",
                "weekday",
                "at",
                "9",
                "10:30am",
                "noon",
                "and",
                ",",
                "of",
                "march",
                "15th",
                "-2",
                "after",
                "i",
                "finish",
                "3",
                "0",
                "99999",
                "second",
                "to",
            ]
        ),
        max_size=14,
    ).map(" ".join)
)
def test_any_text_compiles_or_is_refused_quickly(text: str) -> None:
    compiled = timed(lambda: compile_phrase(text))
    if compiled is not None:
        assert compiled.startswith("FREQ=")
        assert timed(lambda: parse_rule(compiled)) is not None


def test_densest_allowed_rule_stays_fast() -> None:
    # 96 times a day on every day of the year, looked up late in a year-long period.
    every_quarter_hour = ";".join(
        [
            "FREQ=YEARLY",
            "BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12",
            "BYDAY=MO,TU,WE,TH,FR,SA,SU",
            "BYHOUR=" + ",".join(map(str, range(24))),
            "BYMINUTE=0,15,30,45",
        ]
    )
    recurrence = timed(
        lambda: parse_recurrence(every_quarter_hour, timezone="Europe/London", now=NOW)
    )
    assert recurrence is not None
    cursor = datetime(2031, 12, 31, 23, 50, tzinfo=UTC)
    assert timed(lambda: recurrence.next_after(cursor)) == datetime(2032, 1, 1, 0, 0, tzinfo=UTC)
    assert len(timed(lambda: recurrence.preview(1000)) or []) == 1000
