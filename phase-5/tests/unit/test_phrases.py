"""Friendly phrases: the exact RRULE each compiles to and its first occurrences."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from recurrence import Mode, RecurrenceError, compile_phrase, parse_recurrence

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START = datetime(2026, 3, 2, 8, 0)  # a Monday, 08:00 in New York


def first_local(phrase: str, n: int) -> list[datetime]:
    recurrence = parse_recurrence(phrase, timezone="America/New_York", now=NOW, start=START)
    return [moment.astimezone(NEW_YORK).replace(tzinfo=None) for moment in recurrence.preview(n)]


def d(month: int, day: int, hour: int = 8, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute)


PHRASES: list[tuple[str, str, list[datetime]]] = [
    ("daily", "FREQ=DAILY", [d(3, 2), d(3, 3), d(3, 4)]),
    ("weekly", "FREQ=WEEKLY", [d(3, 2), d(3, 9), d(3, 16)]),
    ("monthly", "FREQ=MONTHLY", [d(3, 2), d(4, 2), d(5, 2)]),
    ("yearly", "FREQ=YEARLY", [d(3, 2), d(3, 2, year=2027), d(3, 2, year=2028)]),
    (
        "every weekday",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        [d(3, 2), d(3, 3), d(3, 4), d(3, 5), d(3, 6), d(3, 9)],
    ),
    ("every other day", "FREQ=DAILY;INTERVAL=2", [d(3, 2), d(3, 4), d(3, 6)]),
    ("every 3 days", "FREQ=DAILY;INTERVAL=3", [d(3, 2), d(3, 5), d(3, 8), d(3, 11)]),
    (
        "every Monday, Wednesday and Friday at 10 AM",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10;BYMINUTE=0",
        [d(3, 2, 10), d(3, 4, 10), d(3, 6, 10), d(3, 9, 10)],
    ),
    (
        "every 2 weeks on Monday and Wednesday",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
        [d(3, 2), d(3, 4), d(3, 16), d(3, 18)],
    ),
    ("monthly on the 15th", "FREQ=MONTHLY;BYMONTHDAY=15", [d(3, 15), d(4, 15), d(5, 15)]),
    ("monthly on the last Friday", "FREQ=MONTHLY;BYDAY=-1FR", [d(3, 27), d(4, 24), d(5, 29)]),
    (
        "every last day of the month",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        [d(3, 31), d(4, 30), d(5, 31), d(6, 30)],
    ),
    (
        "yearly on March 3",
        "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3",
        [d(3, 3), d(3, 3, year=2027), d(3, 3, year=2028)],
    ),
    ("every 6 months", "FREQ=MONTHLY;INTERVAL=6", [d(3, 2), d(9, 2), d(3, 2, year=2027)]),
    # Reasonable variants.
    ("every day", "FREQ=DAILY", [d(3, 2), d(3, 3)]),
    ("Every Day", "FREQ=DAILY", [d(3, 2), d(3, 3)]),
    ("everyday at 7pm", "FREQ=DAILY;BYHOUR=19;BYMINUTE=0", [d(3, 2, 19), d(3, 3, 19)]),
    (
        "every mon, wed, fri at 10:30am",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10;BYMINUTE=30",
        [d(3, 2, 10, 30), d(3, 4, 10, 30), d(3, 6, 10, 30)],
    ),
    (
        "Every Monday, Wednesday, and Friday at 10 a.m.",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10;BYMINUTE=0",
        [d(3, 2, 10), d(3, 4, 10)],
    ),
    (
        "every mon/wed/fri at 10am",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10;BYMINUTE=0",
        [d(3, 2, 10), d(3, 4, 10)],
    ),
    ("daily at 9", "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", [d(3, 2, 9), d(3, 3, 9)]),
    ("every day at 17:45", "FREQ=DAILY;BYHOUR=17;BYMINUTE=45", [d(3, 2, 17, 45), d(3, 3, 17, 45)]),
    ("every day at noon", "FREQ=DAILY;BYHOUR=12;BYMINUTE=0", [d(3, 2, 12), d(3, 3, 12)]),
    ("every day at 12am", "FREQ=DAILY;BYHOUR=0;BYMINUTE=0", [d(3, 3, 0), d(3, 4, 0)]),
    ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2", [d(3, 2), d(3, 16), d(3, 30)]),
    ("every two weeks", "FREQ=WEEKLY;INTERVAL=2", [d(3, 2), d(3, 16)]),
    ("every other week on tuesday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", [d(3, 3), d(3, 17)]),
    ("every other monday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", [d(3, 2), d(3, 16)]),
    ("fortnightly", "FREQ=WEEKLY;INTERVAL=2", [d(3, 2), d(3, 16)]),
    (
        "weekly on thursday at 9:15",
        "FREQ=WEEKLY;BYDAY=TH;BYHOUR=9;BYMINUTE=15",
        [d(3, 5, 9, 15), d(3, 12, 9, 15)],
    ),
    (
        "weekdays at 9am and 5pm",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,17;BYMINUTE=0",
        [d(3, 2, 9), d(3, 2, 17), d(3, 3, 9)],
    ),
    ("on weekends", "FREQ=WEEKLY;BYDAY=SA,SU", [d(3, 7), d(3, 8), d(3, 14)]),
    ("every 1 day", "FREQ=DAILY", [d(3, 2), d(3, 3)]),
    ("monthly on the 1st and 15th", "FREQ=MONTHLY;BYMONTHDAY=1,15", [d(3, 15), d(4, 1), d(4, 15)]),
    ("every month on day 20", "FREQ=MONTHLY;BYMONTHDAY=20", [d(3, 20), d(4, 20)]),
    ("the 15th of every month", "FREQ=MONTHLY;BYMONTHDAY=15", [d(3, 15), d(4, 15)]),
    ("monthly on the first monday", "FREQ=MONTHLY;BYDAY=1MO", [d(3, 2), d(4, 6), d(5, 4)]),
    ("every month on the 2nd tuesday", "FREQ=MONTHLY;BYDAY=2TU", [d(3, 10), d(4, 14)]),
    ("monthly on the second to last friday", "FREQ=MONTHLY;BYDAY=-2FR", [d(3, 20), d(4, 17)]),
    ("every last friday of the month", "FREQ=MONTHLY;BYDAY=-1FR", [d(3, 27), d(4, 24)]),
    (
        "the last weekday of the month",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        [d(3, 31), d(4, 30), d(5, 29)],
    ),
    ("monthly on the last day", "FREQ=MONTHLY;BYMONTHDAY=-1", [d(3, 31), d(4, 30)]),
    (
        "every year on March 3rd at 9am",
        "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3;BYHOUR=9;BYMINUTE=0",
        [d(3, 3, 9), d(3, 3, 9, year=2027)],
    ),
    ("annually on 3 march", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", [d(3, 3), d(3, 3, year=2027)]),
    ("every march 3", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", [d(3, 3), d(3, 3, year=2027)]),
    (
        "yearly on the 4th of july",
        "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4",
        [d(7, 4), d(7, 4, year=2027)],
    ),
    ("every six months", "FREQ=MONTHLY;INTERVAL=6", [d(3, 2), d(9, 2)]),
    ("every 2 years", "FREQ=YEARLY;INTERVAL=2", [d(3, 2), d(3, 2, year=2028)]),
]


@pytest.mark.parametrize(("phrase", "rrule", "first"), PHRASES)
def test_phrase_compiles_to_rrule_and_first_occurrences(
    phrase: str, rrule: str, first: list[datetime]
) -> None:
    assert compile_phrase(phrase) == rrule
    recurrence = parse_recurrence(phrase, timezone="America/New_York", now=NOW, start=START)
    assert recurrence.rrule == rrule
    assert recurrence.phrase == phrase
    assert recurrence.mode is Mode.FIXED
    assert first_local(phrase, len(first)) == first


def test_phrase_and_its_rrule_give_the_same_series() -> None:
    phrase = parse_recurrence(
        "every Monday, Wednesday and Friday at 10 AM",
        timezone="America/New_York",
        now=NOW,
        start=START,
    )
    written = parse_recurrence(phrase.rrule, timezone="America/New_York", now=NOW, start=START)
    assert written.phrase is None
    assert phrase.preview(30) == written.preview(30)


@pytest.mark.parametrize(
    "phrase",
    [
        "biweekly",  # twice a week or every two weeks: never guess
        "every day except sunday",
        "next tuesday",
        "monday",  # a one-off, not a recurrence
        "on monday",
        "at 9",
        "every",
        "every other",
        "every 2",
        "every 2 weeks on",
        "monthly on the 15th and last friday",
        "every monday at 9am and 5:30pm",  # 09:00 and 17:30 would also give 09:30 and 17:00
        "every monday at 9am at 10am",
        "every day at 25:00",
        "every monday at 13pm",
        "every monday at 9:75",
        "weekly on the 15th",
        "daily on monday",
        "yearly on smarch 3",
        "every 99999 days",
    ],
)
def test_unknown_phrase_is_an_error_suggesting_the_rrule_form(phrase: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        compile_phrase(phrase)
    assert caught.value.field == "rule"
    assert caught.value.message == (
        f'Could not understand "{phrase}"; write it as an RRULE such as FREQ=WEEKLY;BYDAY=MO'
    )


@pytest.mark.parametrize(
    ("phrase", "detail"),
    [
        ("every 0 days", "INTERVAL must be from 1 to 1000, not 0"),
        ("every 5000 weeks", "INTERVAL must be from 1 to 1000, not 5000"),
        ("monthly on the 32nd", "BYMONTHDAY: 32 is out of range"),
        ("monthly on the 6th monday", "6MO can never occur"),
    ],
)
def test_understood_phrase_with_impossible_values_says_why(phrase: str, detail: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        compile_phrase(phrase)
    assert caught.value.message.startswith(f'Could not use "{phrase}": ')
    assert detail in caught.value.message


def test_phrase_that_never_occurs_is_rejected_when_parsed() -> None:
    assert compile_phrase("yearly on february 30") == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence("yearly on february 30", timezone="UTC", now=NOW)
    assert caught.value.field == "rule"
    assert "never occurs within 10 years" in caught.value.message


@pytest.mark.parametrize(
    "phrase",
    [
        "every 3 days after I finish",
        "Every 3 days after I complete it",
        "every 3 days after completion",
        "every 3 days after I'm done",
    ],
)
def test_after_completion_phrase_sets_the_mode(phrase: str) -> None:
    assert compile_phrase(phrase) == "FREQ=DAILY;INTERVAL=3"
    recurrence = parse_recurrence(phrase, timezone="America/New_York", now=NOW, start=START)
    assert recurrence.mode is Mode.AFTER_COMPLETION
    assert recurrence.rrule == "FREQ=DAILY;INTERVAL=3"


def test_after_completion_phrase_with_a_time_in_either_order() -> None:
    expected = "FREQ=DAILY;INTERVAL=3;BYHOUR=9;BYMINUTE=0"
    assert compile_phrase("every 3 days at 9am after I finish") == expected
    assert compile_phrase("every 3 days after I finish at 9am") == expected


def test_explicit_mode_contradicting_the_phrase_is_an_error() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence("every 3 days after I finish", timezone="UTC", now=NOW, mode=Mode.FIXED)
    assert caught.value.field == "mode"
    matching = parse_recurrence(
        "every 3 days after I finish", timezone="UTC", now=NOW, mode="after_completion"
    )
    assert matching.mode is Mode.AFTER_COMPLETION


def test_phrase_too_long_is_rejected_before_parsing() -> None:
    with pytest.raises(RecurrenceError) as caught:
        compile_phrase("every monday " * 50)
    assert caught.value.message == "The rule is too long: at most 500 characters"
