"""Every RRULE example of RFC 5545 section 3.8.5.3, with the dates the RFC lists.

DTSTART is in America/New_York as in the RFC; the assertions compare local wall times
(the RFC's "9:00 AM EDT/EST") and, for a few, the exact UTC instants. The HOURLY and
MINUTELY examples are rejected by design (tasks repeat at most daily); the "every 3
hours" example carries erratum 3883 (UNTIL=19970902T210000Z).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from recurrence import RecurrenceError, parse_recurrence

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(1996, 1, 1, tzinfo=UTC)


def now_before(start: datetime) -> datetime:
    """A `now` shortly before DTSTART, so the RFC's 1990s dates count as upcoming."""
    return datetime(start.year - 1, 1, 1, tzinfo=UTC)


def at9(year: int, month: int, *days: int) -> list[datetime]:
    return [datetime(year, month, day, 9, 0) for day in days]


def span(year: int, month: int, first: int, last: int, step: int = 1) -> list[datetime]:
    return at9(year, month, *range(first, last + 1, step))


def local_preview(rule: str, start: datetime, n: int) -> list[datetime]:
    recurrence = parse_recurrence(
        rule, timezone="America/New_York", now=now_before(start), start=start
    )
    return [moment.astimezone(NEW_YORK).replace(tzinfo=None) for moment in recurrence.preview(n)]


# (title, rule, DTSTART, expected local wall times, whether the series ends there)
EXAMPLES: list[tuple[str, str, datetime, list[datetime], bool]] = [
    (
        "daily for 10 occurrences",
        "RRULE:FREQ=DAILY;COUNT=10",
        datetime(1997, 9, 2, 9),
        span(1997, 9, 2, 11),
        True,
    ),
    (
        "daily until December 24, 1997",
        "RRULE:FREQ=DAILY;UNTIL=19971224T000000Z",
        datetime(1997, 9, 2, 9),
        span(1997, 9, 2, 30)
        + span(1997, 10, 1, 31)
        + span(1997, 11, 1, 30)
        + span(1997, 12, 1, 23),
        True,
    ),
    (
        "every other day - forever",
        "RRULE:FREQ=DAILY;INTERVAL=2",
        datetime(1997, 9, 2, 9),
        span(1997, 9, 2, 30, 2)
        + span(1997, 10, 2, 30, 2)
        + span(1997, 11, 1, 29, 2)
        + at9(1997, 12, 1, 3),
        False,
    ),
    (
        "every 10 days, 5 occurrences",
        "RRULE:FREQ=DAILY;INTERVAL=10;COUNT=5",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 12, 22) + at9(1997, 10, 2, 12),
        True,
    ),
    (
        "every day in January, for 3 years (yearly form)",
        "RRULE:FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
        datetime(1998, 1, 1, 9),
        span(1998, 1, 1, 31) + span(1999, 1, 1, 31) + span(2000, 1, 1, 31),
        True,
    ),
    (
        "every day in January, for 3 years (daily form)",
        "RRULE:FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
        datetime(1998, 1, 1, 9),
        span(1998, 1, 1, 31) + span(1999, 1, 1, 31) + span(2000, 1, 1, 31),
        True,
    ),
    (
        "weekly for 10 occurrences",
        "RRULE:FREQ=WEEKLY;COUNT=10",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 9, 16, 23, 30) + at9(1997, 10, 7, 14, 21, 28) + at9(1997, 11, 4),
        True,
    ),
    (
        "weekly until December 24, 1997",
        "RRULE:FREQ=WEEKLY;UNTIL=19971224T000000Z",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 9, 16, 23, 30)
        + at9(1997, 10, 7, 14, 21, 28)
        + at9(1997, 11, 4, 11, 18, 25)
        + at9(1997, 12, 2, 9, 16, 23),
        True,
    ),
    (
        "every other week - forever",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 16, 30)
        + at9(1997, 10, 14, 28)
        + at9(1997, 11, 11, 25)
        + at9(1997, 12, 9, 23)
        + at9(1998, 1, 6, 20)
        + at9(1998, 2, 3, 17),
        False,
    ),
    (
        "weekly on Tuesday and Thursday for five weeks (UNTIL)",
        "RRULE:FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + at9(1997, 10, 2),
        True,
    ),
    (
        "weekly on Tuesday and Thursday for five weeks (COUNT)",
        "RRULE:FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + at9(1997, 10, 2),
        True,
    ),
    (
        "every other week on Monday, Wednesday, and Friday until December 24, 1997",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
        datetime(1997, 9, 1, 9),
        at9(1997, 9, 1, 3, 5, 15, 17, 19, 29)
        + at9(1997, 10, 1, 3, 13, 15, 17, 27, 29, 31)
        + at9(1997, 11, 10, 12, 14, 24, 26, 28)
        + at9(1997, 12, 8, 10, 12, 22),
        True,
    ),
    (
        "every other week on Tuesday and Thursday, for 8 occurrences",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 4, 16, 18, 30) + at9(1997, 10, 2, 14, 16),
        True,
    ),
    (
        "monthly on the first Friday for 10 occurrences",
        "RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
        datetime(1997, 9, 5, 9),
        at9(1997, 9, 5)
        + at9(1997, 10, 3)
        + at9(1997, 11, 7)
        + at9(1997, 12, 5)
        + at9(1998, 1, 2)
        + at9(1998, 2, 6)
        + at9(1998, 3, 6)
        + at9(1998, 4, 3)
        + at9(1998, 5, 1)
        + at9(1998, 6, 5),
        True,
    ),
    (
        "monthly on the first Friday until December 24, 1997",
        "RRULE:FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
        datetime(1997, 9, 5, 9),
        at9(1997, 9, 5) + at9(1997, 10, 3) + at9(1997, 11, 7) + at9(1997, 12, 5),
        True,
    ),
    (
        "every other month on the first and last Sunday for 10 occurrences",
        "RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
        datetime(1997, 9, 7, 9),
        at9(1997, 9, 7, 28)
        + at9(1997, 11, 2, 30)
        + at9(1998, 1, 4, 25)
        + at9(1998, 3, 1, 29)
        + at9(1998, 5, 3, 31),
        True,
    ),
    (
        "monthly on the second-to-last Monday for 6 months",
        "RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
        datetime(1997, 9, 22, 9),
        at9(1997, 9, 22)
        + at9(1997, 10, 20)
        + at9(1997, 11, 17)
        + at9(1997, 12, 22)
        + at9(1998, 1, 19)
        + at9(1998, 2, 16),
        True,
    ),
    (
        "monthly on the third-to-the-last day of the month, forever",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-3",
        datetime(1997, 9, 28, 9),
        at9(1997, 9, 28)
        + at9(1997, 10, 29)
        + at9(1997, 11, 28)
        + at9(1997, 12, 29)
        + at9(1998, 1, 29)
        + at9(1998, 2, 26),
        False,
    ),
    (
        "monthly on the 2nd and 15th of the month for 10 occurrences",
        "RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 15)
        + at9(1997, 10, 2, 15)
        + at9(1997, 11, 2, 15)
        + at9(1997, 12, 2, 15)
        + at9(1998, 1, 2, 15),
        True,
    ),
    (
        "monthly on the first and last day of the month for 10 occurrences",
        "RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
        datetime(1997, 9, 30, 9),
        at9(1997, 9, 30)
        + at9(1997, 10, 1, 31)
        + at9(1997, 11, 1, 30)
        + at9(1997, 12, 1, 31)
        + at9(1998, 1, 1, 31)
        + at9(1998, 2, 1),
        True,
    ),
    (
        "every 18 months on the 10th thru 15th of the month for 10 occurrences",
        "RRULE:FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
        datetime(1997, 9, 10, 9),
        span(1997, 9, 10, 15) + span(1999, 3, 10, 13),
        True,
    ),
    (
        "every Tuesday, every other month",
        "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
        datetime(1997, 9, 2, 9),
        at9(1997, 9, 2, 9, 16, 23, 30)
        + at9(1997, 11, 4, 11, 18, 25)
        + at9(1998, 1, 6, 13, 20, 27)
        + at9(1998, 3, 3, 10, 17, 24, 31),
        False,
    ),
    (
        "yearly in June and July for 10 occurrences",
        "RRULE:FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
        datetime(1997, 6, 10, 9),
        [day for year in range(1997, 2002) for day in at9(year, 6, 10) + at9(year, 7, 10)],
        True,
    ),
    (
        "every other year on January, February, and March for 10 occurrences",
        "RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
        datetime(1997, 3, 10, 9),
        at9(1997, 3, 10)
        + [
            day
            for year in (1999, 2001, 2003)
            for month in (1, 2, 3)
            for day in at9(year, month, 10)
        ],
        True,
    ),
    (
        "every third year on the 1st, 100th, and 200th day for 10 occurrences",
        "RRULE:FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
        datetime(1997, 1, 1, 9),
        at9(1997, 1, 1)
        + at9(1997, 4, 10)
        + at9(1997, 7, 19)
        + at9(2000, 1, 1)
        + at9(2000, 4, 9)
        + at9(2000, 7, 18)
        + at9(2003, 1, 1)
        + at9(2003, 4, 10)
        + at9(2003, 7, 19)
        + at9(2006, 1, 1),
        True,
    ),
    (
        "every 20th Monday of the year, forever",
        "RRULE:FREQ=YEARLY;BYDAY=20MO",
        datetime(1997, 5, 19, 9),
        at9(1997, 5, 19) + at9(1998, 5, 18) + at9(1999, 5, 17),
        False,
    ),
    (
        "Monday of week number 20, forever",
        "RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
        datetime(1997, 5, 12, 9),
        at9(1997, 5, 12) + at9(1998, 5, 11) + at9(1999, 5, 17),
        False,
    ),
    (
        "every Thursday in March, forever",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
        datetime(1997, 3, 13, 9),
        at9(1997, 3, 13, 20, 27) + at9(1998, 3, 5, 12, 19, 26) + at9(1999, 3, 4, 11, 18, 25),
        False,
    ),
    (
        "every Thursday, but only during June, July, and August, forever",
        "RRULE:FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
        datetime(1997, 6, 5, 9),
        at9(1997, 6, 5, 12, 19, 26)
        + at9(1997, 7, 3, 10, 17, 24, 31)
        + at9(1997, 8, 7, 14, 21, 28)
        + at9(1998, 6, 4, 11, 18, 25)
        + at9(1998, 7, 2, 9, 16, 23, 30)
        + at9(1998, 8, 6, 13, 20, 27)
        + at9(1999, 6, 3, 10, 17, 24)
        + at9(1999, 7, 1, 8, 15, 22, 29)
        + at9(1999, 8, 5, 12, 19, 26),
        False,
    ),
    (
        # The RFC adds EXDATE for DTSTART; a DTSTART that does not match the rule is
        # not an occurrence here (dateutil semantics), which has the same effect.
        "every Friday the 13th, forever",
        "RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        datetime(1997, 9, 2, 9),
        at9(1998, 2, 13)
        + at9(1998, 3, 13)
        + at9(1998, 11, 13)
        + at9(1999, 8, 13)
        + at9(2000, 10, 13),
        False,
    ),
    (
        "the first Saturday that follows the first Sunday of the month, forever",
        "RRULE:FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
        datetime(1997, 9, 13, 9),
        at9(1997, 9, 13)
        + at9(1997, 10, 11)
        + at9(1997, 11, 8)
        + at9(1997, 12, 13)
        + at9(1998, 1, 10)
        + at9(1998, 2, 7)
        + at9(1998, 3, 7)
        + at9(1998, 4, 11)
        + at9(1998, 5, 9)
        + at9(1998, 6, 13),
        False,
    ),
    (
        "every 4 years, the first Tuesday after a Monday in November (election day)",
        "RRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
        datetime(1996, 11, 5, 9),
        at9(1996, 11, 5) + at9(2000, 11, 7) + at9(2004, 11, 2),
        False,
    ),
    (
        "the third instance into the month of one of Tuesday, Wednesday, or Thursday",
        "RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
        datetime(1997, 9, 4, 9),
        at9(1997, 9, 4) + at9(1997, 10, 7) + at9(1997, 11, 6),
        True,
    ),
    (
        "the second-to-last weekday of the month",
        "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
        datetime(1997, 9, 29, 9),
        at9(1997, 9, 29)
        + at9(1997, 10, 30)
        + at9(1997, 11, 27)
        + at9(1997, 12, 30)
        + at9(1998, 1, 29)
        + at9(1998, 2, 26)
        + at9(1998, 3, 30),
        False,
    ),
    (
        "every 20 minutes from 9:00 AM to 4:40 PM every day (DAILY form)",
        "RRULE:FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
        datetime(1997, 9, 2, 9),
        [
            datetime(1997, 9, day, hour, minute)
            for day in (2, 3)
            for hour in range(9, 17)
            for minute in (0, 20, 40)
        ],
        False,
    ),
    (
        "days generated make a difference because of WKST (MO)",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
        datetime(1997, 8, 5, 9),
        at9(1997, 8, 5, 10, 19, 24),
        True,
    ),
    (
        "changing only WKST from MO to SU yields different results",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
        datetime(1997, 8, 5, 9),
        at9(1997, 8, 5, 17, 19, 31),
        True,
    ),
    (
        "an invalid date (February 30) is ignored",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
        datetime(2007, 1, 15, 9),
        at9(2007, 1, 15, 30) + at9(2007, 2, 15) + at9(2007, 3, 15, 30),
        True,
    ),
]


@pytest.mark.parametrize(
    ("rule", "start", "expected", "ends"),
    [pytest.param(*example[1:], id=example[0]) for example in EXAMPLES],
)
def test_rfc5545_example(rule: str, start: datetime, expected: list[datetime], ends: bool) -> None:
    asked = len(expected) + 5 if ends else len(expected)
    assert local_preview(rule, start, asked) == expected


@pytest.mark.parametrize(
    ("rule", "start", "expected", "ends"),
    [pytest.param(*example[1:], id=example[0]) for example in EXAMPLES],
)
def test_rfc5545_example_next_after_walks_the_same_dates(
    rule: str, start: datetime, expected: list[datetime], ends: bool
) -> None:
    recurrence = parse_recurrence(
        rule, timezone="America/New_York", now=now_before(start), start=start
    )
    walked: list[datetime] = []
    cursor = datetime(1990, 1, 1, tzinfo=UTC)
    for _ in expected:
        following = recurrence.next_after(cursor)
        assert following is not None
        walked.append(following.astimezone(NEW_YORK).replace(tzinfo=None))
        cursor = following
    assert walked == expected
    if ends:
        assert recurrence.next_after(cursor) is None


def test_rfc_dates_are_nine_local_on_both_sides_of_dst() -> None:
    recurrence = parse_recurrence(
        "FREQ=WEEKLY;COUNT=10",
        timezone="America/New_York",
        now=NOW,
        start=datetime(1997, 9, 2, 9),
    )
    instants = recurrence.preview(10)
    assert instants[0] == datetime(1997, 9, 2, 13, 0, tzinfo=UTC)  # 9:00 EDT
    assert instants[7] == datetime(1997, 10, 21, 13, 0, tzinfo=UTC)  # 9:00 EDT
    assert instants[8] == datetime(1997, 10, 28, 14, 0, tzinfo=UTC)  # 9:00 EST
    assert instants[9] == datetime(1997, 11, 4, 14, 0, tzinfo=UTC)


def test_rfc_until_in_utc_is_the_instant_not_a_local_time() -> None:
    # UNTIL=20000131T140000Z is 09:00 EST: the last January 31 is included.
    recurrence = parse_recurrence(
        "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
        timezone="America/New_York",
        now=NOW,
        start=datetime(1998, 1, 1, 9),
    )
    assert recurrence.ends_at == datetime(2000, 1, 31, 14, 0, tzinfo=UTC)
    assert recurrence.preview(200)[-1] == datetime(2000, 1, 31, 14, 0, tzinfo=UTC)
    assert len(recurrence.preview(200)) == 93


@pytest.mark.parametrize(
    "rule",
    [
        # "Every 3 hours from 9:00 AM to 5:00 PM on a specific day", with erratum 3883.
        "RRULE:FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z",
        "RRULE:FREQ=MINUTELY;INTERVAL=15;COUNT=6",
        "RRULE:FREQ=MINUTELY;INTERVAL=90;COUNT=4",
        "RRULE:FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16",
    ],
)
def test_rfc_sub_daily_examples_are_rejected(rule: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence(rule, timezone="America/New_York", now=NOW, start=datetime(1997, 9, 2, 9))
    assert caught.value.field == "rule"
    assert "tasks repeat at most daily" in caught.value.message
    assert "FREQ=DAILY with BYHOUR and BYMINUTE" in caught.value.message
