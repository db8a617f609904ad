"""DST: wall-clock times across transitions, nonexistent and repeated local times.

Policy: a nonexistent local time moves forward by the gap; a repeated one is the first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from recurrence import Recurrence, RecurrenceError, parse_recurrence, to_utc
from recurrence.zones import is_ambiguous, is_nonexistent, load_zone


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "local", "instant", "why"),
    [
        # America/New_York: forward 2026-03-08 02:00 -> 03:00, back 2026-11-01 02:00 -> 01:00.
        (
            "America/New_York",
            datetime(2026, 3, 8, 2, 30),
            utc(2026, 3, 8, 7, 30),
            "gap -> 03:30 EDT",
        ),
        (
            "America/New_York",
            datetime(2026, 3, 8, 1, 59),
            utc(2026, 3, 8, 6, 59),
            "before gap, EST",
        ),
        ("America/New_York", datetime(2026, 3, 8, 3, 0), utc(2026, 3, 8, 7, 0), "after gap, EDT"),
        ("America/New_York", datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30), "fold -> EDT"),
        (
            "America/New_York",
            datetime(2026, 11, 1, 2, 0),
            utc(2026, 11, 1, 7, 0),
            "after fold, EST",
        ),
        ("America/New_York", datetime(2026, 7, 1, 10, 0), utc(2026, 7, 1, 14, 0), "summer"),
        # Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST, 2026-10-25 02:00 BST -> 01:00 GMT.
        (
            "Europe/London",
            datetime(2026, 3, 29, 1, 30),
            utc(2026, 3, 29, 1, 30),
            "gap -> 02:30 BST",
        ),
        ("Europe/London", datetime(2026, 10, 25, 1, 30), utc(2026, 10, 25, 0, 30), "fold -> BST"),
        ("Europe/London", datetime(2026, 1, 15, 9, 0), utc(2026, 1, 15, 9, 0), "winter GMT"),
        # Australia/Sydney: 2026-04-05 03:00 AEDT -> 02:00 AEST, 2026-10-04 02:00 -> 03:00 AEDT.
        (
            "Australia/Sydney",
            datetime(2026, 10, 4, 2, 30),
            utc(2026, 10, 3, 16, 30),
            "gap -> 03:30",
        ),
        ("Australia/Sydney", datetime(2026, 4, 5, 2, 30), utc(2026, 4, 4, 15, 30), "fold -> AEDT"),
        ("Australia/Sydney", datetime(2026, 7, 1, 10, 0), utc(2026, 7, 1, 0, 0), "winter AEST"),
        # Australia/Lord_Howe moves by 30 minutes: 02:00 -> 02:30 on 2026-10-04.
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 15), utc(2026, 10, 3, 15, 45), "gap 30m"),
        # Pacific/Apia skipped the whole of 2011-12-30.
        ("Pacific/Apia", datetime(2011, 12, 30, 10, 0), utc(2011, 12, 30, 20, 0), "skipped day"),
    ],
)
def test_to_utc_policy(zone: str, local: datetime, instant: datetime, why: str) -> None:
    assert to_utc(local, zone) == instant, why


def test_nonexistent_time_lands_one_gap_later_on_the_wall_clock() -> None:
    ny = ZoneInfo("America/New_York")
    assert to_utc(datetime(2026, 3, 8, 2, 30), "America/New_York").astimezone(ny).hour == 3
    sydney = ZoneInfo("Australia/Sydney")
    shifted = to_utc(datetime(2026, 10, 4, 2, 30), "Australia/Sydney").astimezone(sydney)
    assert (shifted.hour, shifted.minute) == (3, 30)


def test_to_utc_passes_aware_datetimes_through() -> None:
    aware = datetime(2026, 3, 8, 2, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert to_utc(aware, "Europe/London") == utc(2026, 3, 8, 7, 30)


def test_gap_and_fold_detection() -> None:
    ny = load_zone("America/New_York")
    assert is_nonexistent(datetime(2026, 3, 8, 2, 30), ny)
    assert not is_nonexistent(datetime(2026, 3, 8, 3, 30), ny)
    assert is_ambiguous(datetime(2026, 11, 1, 1, 30), ny)
    assert not is_ambiguous(datetime(2026, 11, 1, 2, 30), ny)
    assert not is_ambiguous(datetime(2026, 3, 8, 2, 30), ny)


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime", "localtime", "UTC\x00"]
)
def test_unknown_time_zone(name: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence("daily", timezone=name, now=utc(2026, 1, 1))
    assert caught.value.field == "timezone"
    assert "Unknown time zone" in caught.value.message


def local_series(rule: str, zone: str, start: datetime, n: int) -> list[tuple[datetime, datetime]]:
    """(local wall time, UTC instant) pairs of the first n occurrences."""
    recurrence = parse_recurrence(rule, timezone=zone, now=utc(2020, 1, 1), start=start)
    tz = ZoneInfo(zone)
    return [
        (moment.astimezone(tz).replace(tzinfo=None), moment) for moment in recurrence.preview(n)
    ]


@pytest.mark.parametrize(
    ("zone", "start", "before", "after"),
    [
        ("America/New_York", datetime(2026, 3, 7, 10), utc(2026, 3, 7, 15), utc(2026, 3, 8, 14)),
        (
            "America/New_York",
            datetime(2026, 10, 31, 10),
            utc(2026, 10, 31, 14),
            utc(2026, 11, 1, 15),
        ),
        ("Europe/London", datetime(2026, 3, 28, 10), utc(2026, 3, 28, 10), utc(2026, 3, 29, 9)),
        ("Europe/London", datetime(2026, 10, 24, 10), utc(2026, 10, 24, 9), utc(2026, 10, 25, 10)),
        ("Australia/Sydney", datetime(2026, 4, 4, 10), utc(2026, 4, 3, 23), utc(2026, 4, 5, 0)),
        ("Australia/Sydney", datetime(2026, 10, 3, 10), utc(2026, 10, 3, 0), utc(2026, 10, 3, 23)),
    ],
)
def test_ten_am_stays_ten_am_local_across_dst(
    zone: str, start: datetime, before: datetime, after: datetime
) -> None:
    series = local_series("FREQ=DAILY;BYHOUR=10;BYMINUTE=0", zone, start, 2)
    assert [local for local, _ in series] == [start, start + timedelta(days=1)]
    assert [instant for _, instant in series] == [before, after]
    assert after - before != timedelta(days=1)  # the UTC gap absorbs the change


def test_daily_at_a_time_that_does_not_exist_on_spring_forward_day() -> None:
    series = local_series("FREQ=DAILY", "America/New_York", datetime(2026, 3, 7, 2, 30), 3)
    assert series == [
        (datetime(2026, 3, 7, 2, 30), utc(2026, 3, 7, 7, 30)),  # EST
        (datetime(2026, 3, 8, 3, 30), utc(2026, 3, 8, 7, 30)),  # pushed forward to 03:30 EDT
        (datetime(2026, 3, 9, 2, 30), utc(2026, 3, 9, 6, 30)),  # EDT
    ]


def test_daily_at_a_repeated_time_takes_the_first() -> None:
    series = local_series("FREQ=DAILY", "America/New_York", datetime(2026, 10, 31, 1, 30), 3)
    assert [instant for _, instant in series] == [
        utc(2026, 10, 31, 5, 30),  # EDT
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT, not 01:30 EST (06:30Z)
        utc(2026, 11, 2, 6, 30),  # EST
    ]


def test_london_weekly_at_a_repeated_time_takes_bst() -> None:
    series = local_series("FREQ=WEEKLY;BYDAY=SU", "Europe/London", datetime(2026, 10, 18, 1, 30), 3)
    assert [instant for _, instant in series] == [
        utc(2026, 10, 18, 0, 30),
        utc(2026, 10, 25, 0, 30),  # first 01:30, still BST
        utc(2026, 11, 1, 1, 30),  # GMT
    ]


def test_sydney_monthly_first_sunday_falls_in_the_gap() -> None:
    series = local_series(
        "FREQ=MONTHLY;BYDAY=1SU;BYHOUR=2;BYMINUTE=30",
        "Australia/Sydney",
        datetime(2026, 9, 1, 0, 0),
        3,
    )
    assert series == [
        (datetime(2026, 9, 6, 2, 30), utc(2026, 9, 5, 16, 30)),  # AEST
        (datetime(2026, 10, 4, 3, 30), utc(2026, 10, 3, 16, 30)),  # 02:30 does not exist
        (datetime(2026, 11, 1, 2, 30), utc(2026, 10, 31, 15, 30)),  # AEDT
    ]


def test_two_local_times_landing_on_one_instant_are_one_occurrence() -> None:
    # 02:30 is pushed to 03:30 EDT, which is also an occurrence of its own.
    series = local_series(
        "FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30", "America/New_York", datetime(2026, 3, 7, 0, 0), 5
    )
    assert [instant for _, instant in series] == [
        utc(2026, 3, 7, 7, 30),
        utc(2026, 3, 7, 8, 30),
        utc(2026, 3, 8, 7, 30),  # 02:30 and 03:30 on the 8th
        utc(2026, 3, 9, 6, 30),
        utc(2026, 3, 9, 7, 30),
    ]


def test_a_pushed_forward_time_is_put_back_in_order() -> None:
    # BYSETPOS keeps 02:45 and 03:15; on the 8th 02:45 becomes 03:45 EDT, after 03:15 EDT.
    series = local_series(
        "FREQ=DAILY;BYHOUR=2,3;BYMINUTE=15,45;BYSETPOS=2,3",
        "America/New_York",
        datetime(2026, 3, 8, 0, 0),
        4,
    )
    assert [local for local, _ in series] == [
        datetime(2026, 3, 8, 3, 15),
        datetime(2026, 3, 8, 3, 45),
        datetime(2026, 3, 9, 2, 45),
        datetime(2026, 3, 9, 3, 15),
    ]
    instants = [instant for _, instant in series]
    assert instants == sorted(instants)


def test_lord_howe_half_hour_gap_collides_with_the_next_slot() -> None:
    series = local_series(
        "FREQ=DAILY;BYHOUR=2;BYMINUTE=15,45", "Australia/Lord_Howe", datetime(2026, 10, 3), 4
    )
    tz = ZoneInfo("Australia/Lord_Howe")
    assert [local for local, _ in series] == [
        datetime(2026, 10, 3, 2, 15),
        datetime(2026, 10, 3, 2, 45),
        datetime(2026, 10, 4, 2, 45),  # 02:15 is pushed to 02:45, which also occurs
        datetime(2026, 10, 5, 2, 15),
    ]
    assert series[2][1].astimezone(tz).utcoffset() == timedelta(hours=11)


def test_samoa_skipped_day() -> None:
    series = local_series("FREQ=DAILY", "Pacific/Apia", datetime(2011, 12, 29, 10, 0), 3)
    assert series == [
        (datetime(2011, 12, 29, 10, 0), utc(2011, 12, 29, 20, 0)),
        # 30 December never happened; its 10:00 is pushed to 31 December 10:00.
        (datetime(2011, 12, 31, 10, 0), utc(2011, 12, 30, 20, 0)),
        (datetime(2012, 1, 1, 10, 0), utc(2011, 12, 31, 20, 0)),
    ]


def test_next_after_finds_a_pushed_forward_occurrence_just_before_its_instant() -> None:
    # The cursor 03:29 EDT is later on the wall clock than the local 02:30 occurrence,
    # whose instant (03:30 EDT) is still ahead.
    recurrence = parse_recurrence(
        "FREQ=DAILY",
        timezone="America/New_York",
        now=utc(2026, 1, 1),
        start=datetime(2026, 3, 1, 2, 30),
    )
    assert recurrence.next_after(utc(2026, 3, 8, 7, 29)) == utc(2026, 3, 8, 7, 30)
    assert recurrence.next_after(utc(2026, 3, 8, 7, 30)) == utc(2026, 3, 9, 6, 30)


def test_next_after_from_inside_the_repeated_hour() -> None:
    recurrence = parse_recurrence(
        "FREQ=DAILY;BYHOUR=1;BYMINUTE=45",
        timezone="America/New_York",
        now=utc(2026, 1, 1),
        start=datetime(2026, 10, 1),
    )
    # 01:30 EST (the second 01:30) is after 01:45 EDT (the occurrence, first pass).
    assert recurrence.next_after(utc(2026, 11, 1, 6, 30)) == utc(2026, 11, 2, 6, 45)
    assert recurrence.next_after(utc(2026, 11, 1, 5, 30)) == utc(2026, 11, 1, 5, 45)


def test_until_with_zone_is_converted_to_local_wall_time() -> None:
    # UNTIL 2026-11-01T05:30Z is 01:30 EDT: the fold day's 01:30 (first pass) is included.
    recurrence = parse_recurrence(
        "FREQ=DAILY;UNTIL=20261101T053000Z",
        timezone="America/New_York",
        now=utc(2026, 1, 1),
        start=datetime(2026, 10, 30, 1, 30),
    )
    assert recurrence.preview(10) == [
        utc(2026, 10, 30, 5, 30),
        utc(2026, 10, 31, 5, 30),
        utc(2026, 11, 1, 5, 30),
    ]


def test_floating_until_is_local_wall_time_and_date_until_is_the_whole_day() -> None:
    def sydney(rule: str) -> Recurrence:
        return parse_recurrence(
            rule, timezone="Australia/Sydney", now=utc(2026, 1, 1), start=datetime(2026, 4, 1, 23)
        )

    local_until = sydney("FREQ=DAILY;UNTIL=20260403T230000")
    assert local_until.ends_at == utc(2026, 4, 3, 12, 0)  # 23:00 AEDT
    assert len(local_until.preview(10)) == 3
    date_until = sydney("FREQ=DAILY;UNTIL=20260403")
    assert date_until.ends_at == utc(2026, 4, 3, 12, 59, 59)
    assert len(date_until.preview(10)) == 3
