"""RRULE parsing: canonical form, RFC 5545 constraints, limits and error messages."""

from __future__ import annotations

from datetime import datetime

import pytest

from recurrence import RecurrenceError
from recurrence.rules import ByDay, Freq, Until, parse_rule


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("rrule:freq=weekly;byday=fr,mo,we", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("  FREQ=DAILY ; INTERVAL = 1 ;", "FREQ=DAILY"),
        (
            "BYMINUTE=0;BYHOUR=10;BYDAY=MO,WE,FR;FREQ=WEEKLY",
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10;BYMINUTE=0",
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=-1,15,1,15", "FREQ=MONTHLY;BYMONTHDAY=1,15,-1"),
        ("FREQ=MONTHLY;BYDAY=-1SU,1SU", "FREQ=MONTHLY;BYDAY=1SU,-1SU"),
        ("FREQ=MONTHLY;BYDAY=+1MO", "FREQ=MONTHLY;BYDAY=1MO"),
        ("FREQ=WEEKLY;WKST=MO;INTERVAL=2", "FREQ=WEEKLY;INTERVAL=2"),
        ("FREQ=WEEKLY;WKST=SU;INTERVAL=2", "FREQ=WEEKLY;INTERVAL=2;WKST=SU"),
        (
            "FREQ=YEARLY;BYSETPOS=1;BYMONTH=3,1;BYWEEKNO=2;BYYEARDAY=-1",
            "FREQ=YEARLY;BYMONTH=1,3;BYWEEKNO=2;BYYEARDAY=-1;BYSETPOS=1",
        ),
        ("FREQ=DAILY;COUNT=10", "FREQ=DAILY;COUNT=10"),
        ("FREQ=DAILY;UNTIL=19971224T000000Z", "FREQ=DAILY;UNTIL=19971224T000000Z"),
    ],
)
def test_canonical_form(written: str, canonical: str) -> None:
    assert str(parse_rule(written)) == canonical


def test_parsed_parts() -> None:
    rule = parse_rule("FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU;BYHOUR=9;BYMINUTE=30")
    assert rule.freq is Freq.MONTHLY
    assert rule.interval == 2
    assert rule.count == 10
    assert rule.byday == (ByDay(6, 1), ByDay(6, -1))
    assert (rule.byhour, rule.byminute) == ((9,), (30,))
    assert rule.without_end().count is None


@pytest.mark.parametrize(
    ("value", "until"),
    [
        ("19971224T000000Z", Until(datetime(1997, 12, 24, 0, 0), "utc")),
        ("19971224T093000", Until(datetime(1997, 12, 24, 9, 30), "local")),
        ("19971224", Until(datetime(1997, 12, 24), "date")),
    ],
)
def test_until_forms(value: str, until: Until) -> None:
    assert parse_rule(f"FREQ=DAILY;UNTIL={value}").until == until


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "FREQ=HOURLY is not supported: tasks repeat at most daily"),
        ("FREQ=MINUTELY;INTERVAL=20", "FREQ=MINUTELY is not supported"),
        ("FREQ=SECONDLY", "FREQ=SECONDLY is not supported"),
        ("FREQ=DAILY;BYSECOND=0", "BYSECOND is not supported"),
        ("FREQ=FORTNIGHTLY", 'FREQ "FORTNIGHTLY" is not valid'),
        ("BYDAY=MO", "The rule needs a FREQ part"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears more than once"),
        ("FREQ=DAILY;INTERVAL=2;INTERVAL=3", "INTERVAL appears more than once"),
        ("FREQ=DAILY;BYEASTER=0", 'Unknown part "BYEASTER"'),
        ("FREQ=DAILY;X-NAME=1", 'Unknown part "X-NAME"'),
        ("FREQ=DAILY;INTERVAL", '"INTERVAL" is not a NAME=VALUE part'),
        ("FREQ=DAILY;=3", '"=3" is not a NAME=VALUE part'),
        ("FREQ=DAILY;INTERVAL=", "INTERVAL has no value"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be from 1 to 1000, not 0"),
        ("FREQ=DAILY;INTERVAL=1001", "INTERVAL must be from 1 to 1000"),
        ("FREQ=DAILY;INTERVAL=-2", "INTERVAL must be from 1 to 1000"),
        ("FREQ=DAILY;INTERVAL=two", 'INTERVAL: "TWO" is not a whole number'),
        ("FREQ=DAILY;INTERVAL=\u0663", "INTERVAL: "),  # Arabic-Indic digit three
        ("FREQ=DAILY;COUNT=0", "COUNT must be from 1 to 1000"),
        ("FREQ=DAILY;COUNT=1001", "COUNT must be from 1 to 1000"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20300101", "COUNT and UNTIL cannot both be given"),
        ("FREQ=DAILY;UNTIL=2030", 'UNTIL: "2030" is not a date'),
        ("FREQ=DAILY;UNTIL=20300230", "UNTIL: 20300230 is not a real date"),
        ("FREQ=DAILY;UNTIL=99991231", "UNTIL: the year must be from 1900 to 9000"),
        ("FREQ=WEEKLY;WKST=XX", 'WKST: "XX" is not a weekday'),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH: 13 is out of range (from 1 to 12)"),
        ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH: -1 is out of range"),
        ("FREQ=YEARLY;BYMONTH=1,,2", 'BYMONTH: "" is not a whole number'),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY: 0 is out of range"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY: 32 is out of range"),
        ("FREQ=MONTHLY;BYMONTHDAY=-32", "BYMONTHDAY: -32 is out of range"),
        ("FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY: 367 is out of range"),
        ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO: 54 is out of range"),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR: 24 is out of range (from 0 to 23)"),
        ("FREQ=DAILY;BYMINUTE=60", "BYMINUTE: 60 is out of range (from 0 to 59)"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS: 0 is out of range"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=367", "BYSETPOS: 367 is out of range"),
        ("FREQ=WEEKLY;BYDAY=MONDAY", 'BYDAY: "MONDAY" is not a weekday'),
        ("FREQ=MONTHLY;BYDAY=0MO", "BYDAY: the number in 0MO must be from 1 to 53"),
        ("FREQ=YEARLY;BYDAY=54MO", "BYDAY: the number in 54MO"),
        ("FREQ=WEEKLY;BYDAY=1MO", "a numbered weekday such as 1MO needs FREQ=MONTHLY"),
        ("FREQ=DAILY;BYDAY=-1FR", "a numbered weekday such as -1FR needs FREQ=MONTHLY"),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO", "cannot be combined with BYWEEKNO"),
        ("FREQ=MONTHLY;BYDAY=6MO", "6MO can never occur: a month has at most 5"),
        ("FREQ=YEARLY;BYMONTH=2;BYDAY=-6FR", "-6FR can never occur"),
        ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO is only allowed with FREQ=YEARLY"),
        ("FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY is only allowed with FREQ=YEARLY"),
        ("FREQ=DAILY;BYYEARDAY=1", "BYYEARDAY is only allowed with FREQ=YEARLY"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY is not allowed with FREQ=WEEKLY"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS needs another BY part"),
        (
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=" + ",".join(str(n) for n in range(1, 33)),
            "BYSETPOS may list at most 31 positions",
        ),
        (
            "FREQ=DAILY;BYHOUR=" + ",".join(str(h) for h in range(24)) + ";BYMINUTE=0,10,20,30,40",
            "BYHOUR and BYMINUTE give 120 times a day",
        ),
        ("FREQ=DAILY;" + "BYHOUR=1;" * 60, "The rule is too long: at most 500 characters"),
    ],
)
def test_rejections_name_the_part(rule: str, message: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_rule(rule)
    assert caught.value.field == "rule"
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


def test_twenty_four_times_a_day_is_allowed() -> None:
    # RFC 5545: "every 20 minutes from 9:00 AM to 4:40 PM" as a DAILY rule.
    rule = parse_rule("FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40")
    assert len(rule.byhour) * len(rule.byminute) == 24


def test_ninety_six_times_a_day_is_the_limit() -> None:
    every_quarter_hour = (
        "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45"
    )
    assert len(parse_rule(every_quarter_hour).byhour) == 24


def test_recurrence_error_is_a_value_error_with_field_and_message() -> None:
    error = RecurrenceError("count", "The count must be a whole number from 1 to 1000")
    assert isinstance(error, ValueError)
    assert (error.field, error.message) == (
        "count",
        "The count must be a whole number from 1 to 1000",
    )
    assert "count" in repr(error)
