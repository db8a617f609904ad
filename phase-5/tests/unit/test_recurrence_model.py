"""parse_recurrence options, the Recurrence API, descriptions and the JSON round trip."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import recurrence.model as model_module
from recurrence import (
    DEFAULT_LEAD_TIME,
    Mode,
    Recurrence,
    RecurrenceError,
    parse_recurrence,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday, 07:00 EST


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def parse(rule: str, **options: object) -> Recurrence:
    arguments: dict[str, object] = {"timezone": "America/New_York", "now": NOW}
    arguments.update(options)
    return parse_recurrence(rule, **arguments)  # type: ignore[arg-type]


def local(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(NY).replace(tzinfo=None)


# --- start, time of day -------------------------------------------------------------


def test_default_start_is_now_in_local_time_truncated_to_the_minute() -> None:
    recurrence = parse("FREQ=DAILY", now=datetime(2026, 3, 2, 12, 34, 56, 789, tzinfo=UTC))
    assert recurrence.start == datetime(2026, 3, 2, 7, 34)
    # A phrase naming no time of day starts at 09:00 local instead (issue 11).
    phrase = parse("daily", now=datetime(2026, 3, 2, 12, 34, 56, 789, tzinfo=UTC))
    assert phrase.start == datetime(2026, 3, 2, 9, 0)
    assert recurrence.preview(2) == [
        datetime(2026, 3, 2, 12, 34, tzinfo=UTC),
        datetime(2026, 3, 3, 12, 34, tzinfo=UTC),
    ]


def test_aware_start_is_converted_to_local_wall_time() -> None:
    recurrence = parse("daily", start=datetime(2026, 3, 5, 14, 0, 30, tzinfo=UTC))
    assert recurrence.start == datetime(2026, 3, 5, 9, 0)


def test_time_in_the_rule_governs_over_the_start_time() -> None:
    recurrence = parse("every day at 9am", start=datetime(2026, 3, 5, 15, 37))
    assert [local(moment) for moment in recurrence.preview(2)] == [
        datetime(2026, 3, 6, 9, 0),
        datetime(2026, 3, 7, 9, 0),
    ]


def test_without_a_time_in_the_rule_occurrences_take_the_start_time() -> None:
    recurrence = parse("FREQ=WEEKLY;BYDAY=TU", start=datetime(2026, 3, 2, 15, 37))
    assert local(recurrence.next_after(NOW)) == datetime(2026, 3, 3, 15, 37)


def test_start_far_ahead_or_out_of_range_is_rejected() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("daily", start=datetime(2036, 3, 3))
    assert (caught.value.field, caught.value.message) == (
        "start",
        "The start must be within 10 years from now",
    )
    with pytest.raises(RecurrenceError) as caught:
        parse("daily", start=datetime(1899, 12, 31))
    assert caught.value.field == "start"


def test_naive_now_or_cursor_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_recurrence("daily", timezone="UTC", now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="now must fall in the years 1900 to 9000"):
        parse_recurrence("daily", timezone="UTC", now=datetime.max.replace(tzinfo=UTC))
    with pytest.raises(RecurrenceError) as caught:
        parse_recurrence("daily", timezone=None, now=NOW)  # type: ignore[arg-type]
    assert caught.value.field == "timezone"
    recurrence = parse("daily")
    with pytest.raises(TypeError):
        recurrence.next_after(datetime(2026, 1, 1))


# --- end conditions -----------------------------------------------------------------


def test_end_date_in_the_past_has_the_exact_message() -> None:
    for ends_at in (datetime(2026, 3, 1, tzinfo=UTC), NOW, datetime(2026, 3, 2, 6, 0)):
        with pytest.raises(RecurrenceError) as caught:
            parse("daily", ends_at=ends_at, start=datetime(2026, 2, 1, 9))
        assert caught.value.field == "ends_at"
        assert caught.value.message == "End date must be in the future"


def test_until_in_the_past_has_the_same_message() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("FREQ=DAILY;UNTIL=20260301T000000Z", start=datetime(2026, 2, 1, 9))
    assert caught.value.message == "End date must be in the future"


def test_naive_end_is_local_and_aware_end_is_an_instant() -> None:
    naive = parse("daily", start=datetime(2026, 3, 3, 9), ends_at=datetime(2026, 3, 5, 9))
    assert naive.ends_at == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert [local(moment) for moment in naive.preview(10)] == [
        datetime(2026, 3, 3, 9),
        datetime(2026, 3, 4, 9),
        datetime(2026, 3, 5, 9),
    ]
    aware = parse("daily", start=datetime(2026, 3, 3, 9), ends_at=ny(2026, 3, 5, 8, 59))
    assert len(aware.preview(10)) == 2


def test_count_and_end_date_together_are_rejected() -> None:
    for rule, options in (
        ("FREQ=DAILY;COUNT=3", {"ends_at": datetime(2026, 5, 1)}),
        ("FREQ=DAILY;UNTIL=20260501T000000Z", {"count": 3}),
        ("daily", {"count": 3, "ends_at": datetime(2026, 5, 1)}),
    ):
        with pytest.raises(RecurrenceError) as caught:
            parse(rule, **options)
        assert caught.value.field == "count"
        assert caught.value.message == "Give either an end date or a count, not both"


def test_count_given_in_the_rule_and_as_an_argument() -> None:
    assert parse("FREQ=DAILY;COUNT=3", count=3).count == 3
    with pytest.raises(RecurrenceError) as caught:
        parse("FREQ=DAILY;COUNT=3", count=4)
    assert caught.value.field == "count"


def test_until_and_ends_at_must_agree() -> None:
    same = parse("FREQ=DAILY;UNTIL=20260501T120000Z", ends_at=datetime(2026, 5, 1, 12, tzinfo=UTC))
    assert same.ends_at == datetime(2026, 5, 1, 12, tzinfo=UTC)
    with pytest.raises(RecurrenceError) as caught:
        parse("FREQ=DAILY;UNTIL=20260501T120000Z", ends_at=datetime(2026, 5, 2, tzinfo=UTC))
    assert caught.value.field == "ends_at"


@pytest.mark.parametrize("count", [0, 1001, -1, True])
def test_count_out_of_range(count: object) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("daily", count=count)
    assert caught.value.field == "count"


def test_end_before_start_is_rejected() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("daily", start=datetime(2026, 6, 1, 9), ends_at=datetime(2026, 5, 1))
    assert (caught.value.field, caught.value.message) == (
        "ends_at",
        "End date must be after the start",
    )


def test_counted_series_that_already_ended_is_rejected() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("FREQ=DAILY;COUNT=3", start=datetime(2025, 1, 1, 9))
    assert caught.value.field == "count"
    assert "already ended" in caught.value.message


def test_preview_of_an_ended_series_shows_its_occurrences() -> None:
    counted = parse("FREQ=DAILY;COUNT=3", start=datetime(2025, 1, 1, 9), allow_ended=True)
    assert counted.has_ended(NOW)
    assert [local(moment) for moment in counted.preview(10)] == [
        datetime(2025, 1, d, 9) for d in (1, 2, 3)
    ]
    until = parse(
        "weekly", start=datetime(2025, 1, 6, 9), ends_at=datetime(2025, 1, 20, 12), allow_ended=True
    )
    assert until.has_ended(NOW) and len(until.preview(10)) == 3
    running = parse("FREQ=DAILY;COUNT=500", start=datetime(2026, 1, 1, 9), allow_ended=True)
    assert not running.has_ended(NOW)
    assert not parse("daily", start=datetime(1990, 1, 1, 9), allow_ended=True).has_ended(NOW)
    # Creating the same series is still refused.
    with pytest.raises(RecurrenceError) as caught:
        parse("weekly", start=datetime(2025, 1, 6, 9), ends_at=datetime(2025, 1, 20, 12))
    assert caught.value.message == "End date must be in the future"


def test_preview_still_rejects_a_rule_that_never_occurs() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", allow_ended=True)
    assert caught.value.field == "rule"


def test_end_date_with_no_occurrence_left_is_rejected() -> None:
    # The 2026 occurrence (March 1) is past and the 2027 one is after the end.
    with pytest.raises(RecurrenceError) as caught:
        parse("yearly on march 1", start=datetime(2026, 1, 1, 9), ends_at=datetime(2026, 12, 31))
    assert caught.value.field == "ends_at"
    with pytest.raises(RecurrenceError) as caught:
        parse("yearly on march 1", start=datetime(2026, 3, 5, 9), ends_at=datetime(2026, 12, 31))
    assert caught.value.message == "The rule has no occurrence before its end date"


def test_count_is_honoured_by_next_after_and_preview() -> None:
    recurrence = parse("FREQ=WEEKLY;COUNT=3", start=datetime(2026, 3, 3, 9))
    occurrences = recurrence.preview(10)
    assert len(occurrences) == 3
    assert recurrence.next_after(occurrences[1]) == occurrences[2]
    assert recurrence.next_after(occurrences[2]) is None
    assert recurrence.full_rrule == "FREQ=WEEKLY;COUNT=3"


# --- other options ------------------------------------------------------------------


def test_empty_rule() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("   ")
    assert caught.value.field == "rule"
    assert "The rule is empty" in caught.value.message


def test_unknown_mode() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("daily", mode="sometimes")
    assert caught.value.field == "mode"


@pytest.mark.parametrize(
    "lead_time",
    [timedelta(seconds=-1), timedelta(days=31), timedelta(milliseconds=5), 900],
)
def test_bad_lead_time(lead_time: object) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse("daily", lead_time=lead_time)
    assert caught.value.field == "lead_time"


def test_lead_time_default_and_reminder() -> None:
    recurrence = parse("daily at 9am")
    assert recurrence.lead_time == DEFAULT_LEAD_TIME == timedelta(minutes=15)
    occurrence = recurrence.preview(1)[0]
    assert recurrence.reminder_at(occurrence) == occurrence - timedelta(minutes=15)
    custom = parse("daily at 9am", lead_time=timedelta(hours=1))
    assert custom.reminder_at(occurrence) == occurrence - timedelta(hours=1)


# --- too rare, never --------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",
        "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
        "FREQ=YEARLY;BYYEARDAY=366;INTERVAL=5",  # from 2026, the first leap year in step is 2036+
    ],
)
def test_rule_that_never_occurs_within_the_horizon(rule: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse(rule, start=datetime(2026, 3, 3, 9))
    assert caught.value.field == "rule"
    assert "never occurs within 10 years of its start (2026-03-03 09:00)" in caught.value.message


@pytest.mark.parametrize(
    ("rule", "accepted"),
    [
        ("FREQ=YEARLY;INTERVAL=10", True),
        ("FREQ=YEARLY;INTERVAL=11", False),
        ("FREQ=MONTHLY;INTERVAL=120", True),
        ("FREQ=MONTHLY;INTERVAL=121", False),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", True),  # every 4 years
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", True),  # the same, one day at a time
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", False),  # 2044, then 2072
    ],
)
def test_gap_limit(rule: str, accepted: bool) -> None:
    if accepted:
        assert parse(rule, start=datetime(2026, 3, 3, 9)).next_after(NOW) is not None
        return
    with pytest.raises(RecurrenceError) as caught:
        parse(rule, start=datetime(2026, 3, 3, 9))
    assert caught.value.field == "rule"
    assert "10 years" in caught.value.message


def test_a_gap_met_later_ends_the_series() -> None:
    # Built directly: only parse_recurrence checks gaps. The next one is 11 years away.
    recurrence = Recurrence(
        rrule="FREQ=YEARLY;INTERVAL=11", timezone="UTC", start=datetime(2026, 3, 3, 9)
    )
    assert recurrence.preview(5) == [datetime(2026, 3, 3, 9, tzinfo=UTC)]
    assert recurrence.next_after(datetime(2026, 3, 4, tzinfo=UTC)) is None


# --- next_after, preview ------------------------------------------------------------


def test_next_after_is_strictly_after_and_utc() -> None:
    recurrence = parse("daily at 9am", start=datetime(2026, 3, 3, 9))
    first = recurrence.preview(1)[0]
    assert first.tzinfo is UTC
    assert recurrence.next_after(first) == first + timedelta(days=1)
    assert recurrence.next_after(first - timedelta(microseconds=1)) == first
    assert recurrence.next_after(first.astimezone(ZoneInfo("Asia/Tokyo"))) == first + timedelta(
        days=1
    )


def test_next_after_years_into_the_series_keeps_the_interval_phase() -> None:
    recurrence = parse("every 3 days at 9am", start=datetime(2026, 3, 3, 9))
    found = recurrence.next_after(datetime(2031, 7, 1, tzinfo=UTC))
    assert found is not None
    elapsed = local(found).date() - datetime(2026, 3, 3).date()
    assert elapsed.days % 3 == 0
    assert found - datetime(2031, 7, 1, tzinfo=UTC) <= timedelta(days=3)


def test_preview_after_and_limits() -> None:
    recurrence = parse("daily at 9am", start=datetime(2026, 3, 3, 9))
    first_three = recurrence.preview(3)
    assert recurrence.preview(2, after=first_three[0]) == first_three[1:]
    assert recurrence.preview(0) == []
    with pytest.raises(RecurrenceError) as caught:
        recurrence.preview(1001)
    assert caught.value.field == "preview"


def test_cursor_far_in_the_future_or_past() -> None:
    recurrence = parse("daily at 9am", start=datetime(2026, 3, 3, 9))
    assert recurrence.next_after(datetime.max.replace(tzinfo=UTC)) is None
    assert recurrence.next_after(datetime.min.replace(tzinfo=UTC)) == recurrence.preview(1)[0]


def test_occurrence_index() -> None:
    counted = parse("FREQ=WEEKLY;COUNT=5", start=datetime(2026, 3, 3, 9))
    occurrences = counted.preview(5)
    assert [counted.occurrence_index(moment) for moment in occurrences] == [0, 1, 2, 3, 4]
    assert counted.occurrence_index(occurrences[0] + timedelta(hours=1)) is None
    endless = parse("daily at 9am", start=datetime(2026, 3, 3, 9))
    assert endless.occurrence_index(ny(2026, 4, 2, 9)) == 30
    assert endless.occurrence_index(ny(2026, 4, 2, 10)) is None
    assert endless.occurrence_index(ny(2026, 3, 2, 9)) is None


def test_compiled_rule_is_cached_not_reparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    series = parse("every monday at 10am", start=datetime(2026, 3, 3, 9))

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the rule was parsed again")

    monkeypatch.setattr(model_module, "parse_rule", refuse)
    monkeypatch.setattr("dateutil.rrule.rrulestr", refuse)
    assert local(series.next_after(NOW)) == datetime(2026, 3, 9, 10)
    assert len(series.preview(3)) == 3


# --- completion -----------------------------------------------------------------------


def test_fixed_mode_completion_early_or_late() -> None:
    recurrence = parse("daily at 9am", start=datetime(2026, 3, 3, 9))
    due = ny(2026, 3, 5, 9)
    early = recurrence.next_after_completion(ny(2026, 3, 4, 20), occurrence=due)
    assert local(early) == datetime(2026, 3, 6, 9)
    late = recurrence.next_after_completion(ny(2026, 3, 8, 12), occurrence=due)
    assert local(late) == datetime(2026, 3, 9, 9)
    assert local(recurrence.next_after_completion(ny(2026, 3, 4, 20))) == datetime(2026, 3, 5, 9)


def after_completion(rule: str, start: datetime, **options: object) -> Recurrence:
    return parse(rule, start=start, mode=Mode.AFTER_COMPLETION, **options)


@pytest.mark.parametrize(
    ("rule", "completed", "due"),
    [
        # The worked example: completed Tuesday 18:00 (or 08:00) -> Friday 09:00.
        ("FREQ=DAILY;INTERVAL=3", ny(2026, 3, 10, 18), datetime(2026, 3, 13, 9)),
        ("FREQ=DAILY;INTERVAL=3", ny(2026, 3, 10, 8), datetime(2026, 3, 13, 9)),
        ("FREQ=DAILY", ny(2026, 3, 10, 23, 59), datetime(2026, 3, 11, 9)),
        # Two weeks later, on the weekday of the completion.
        ("FREQ=WEEKLY;INTERVAL=2", ny(2026, 3, 11, 15), datetime(2026, 3, 25, 9)),
        # Several days a week: the next period is next week.
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", ny(2026, 3, 10, 12), datetime(2026, 3, 16, 9)),
        ("FREQ=WEEKLY;BYDAY=MO", ny(2026, 3, 15, 12), datetime(2026, 3, 16, 9)),
        # Same day next month, or the month's last day when shorter.
        ("FREQ=MONTHLY", ny(2026, 1, 15, 12), datetime(2026, 2, 15, 9)),
        ("FREQ=MONTHLY", ny(2026, 1, 31, 12), datetime(2026, 2, 28, 9)),
        ("FREQ=MONTHLY", ny(2026, 3, 30, 12), datetime(2026, 4, 30, 9)),
        ("FREQ=MONTHLY", ny(2026, 7, 31, 12), datetime(2026, 8, 31, 9)),
        ("FREQ=MONTHLY;INTERVAL=6", ny(2026, 8, 31, 12), datetime(2027, 2, 28, 9)),
        ("FREQ=MONTHLY;BYMONTHDAY=15", ny(2026, 3, 10, 12), datetime(2026, 4, 15, 9)),
        ("FREQ=YEARLY", ny(2028, 2, 29, 12), datetime(2029, 2, 28, 9)),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=15", ny(2026, 2, 10, 12), datetime(2027, 4, 15, 9)),
        # A time in the rule governs over the start's time of day.
        (
            "FREQ=DAILY;INTERVAL=3;BYHOUR=18;BYMINUTE=30",
            ny(2026, 3, 10, 8),
            datetime(2026, 3, 13, 18, 30),
        ),
    ],
)
def test_after_completion_semantics(rule: str, completed: datetime, due: datetime) -> None:
    recurrence = after_completion(rule, datetime(2026, 1, 5, 9))
    assert local(recurrence.next_after_completion(completed)) == due


def test_after_completion_across_dst_keeps_the_local_time() -> None:
    recurrence = after_completion("every 3 days", datetime(2026, 3, 2, 9))
    # Completed Saturday 7 March (EST); due Tuesday 10 March 09:00 EDT.
    due = recurrence.next_after_completion(ny(2026, 3, 7, 20))
    assert due == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def test_after_completion_respects_the_end_date_and_count() -> None:
    ending = after_completion(
        "every 3 days", datetime(2026, 3, 3, 9), ends_at=datetime(2026, 3, 20)
    )
    assert ending.next_after_completion(ny(2026, 3, 15, 12)) == ny(2026, 3, 18, 9)
    assert ending.next_after_completion(ny(2026, 3, 18, 12)) is None
    counted = after_completion("every 3 days", datetime(2026, 3, 3, 9), count=2)
    assert counted.next_after_completion(ny(2026, 3, 3, 12), completed_count=1) == ny(2026, 3, 6, 9)
    assert counted.next_after_completion(ny(2026, 3, 6, 12), completed_count=2) is None
    with pytest.raises(TypeError):
        counted.next_after_completion(ny(2026, 3, 3, 12))


def test_after_completion_preview_shows_the_planned_schedule() -> None:
    recurrence = after_completion("every 3 days", datetime(2026, 3, 3, 9))
    assert [local(moment) for moment in recurrence.preview(3)] == [
        datetime(2026, 3, 3, 9),
        datetime(2026, 3, 6, 9),
        datetime(2026, 3, 9, 9),
    ]


# --- descriptions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "options", "description"),
    [
        (
            "every Monday, Wednesday and Friday at 10 AM",
            {},
            "Every Monday, Wednesday and Friday at 10:00 (America/New_York)",
        ),
        ("daily", {}, "Every day at 08:00 (America/New_York)"),
        ("every weekday", {}, "Every weekday at 08:00 (America/New_York)"),
        ("weekly", {}, "Every Monday at 08:00 (America/New_York)"),
        ("every 3 days", {}, "Every 3 days at 08:00 (America/New_York)"),
        (
            "every 2 weeks on Monday and Wednesday",
            {},
            "Every 2 weeks on Monday and Wednesday at 08:00 (America/New_York)",
        ),
        ("monthly on the 15th", {}, "Every month on the 15th at 08:00 (America/New_York)"),
        ("monthly", {}, "Every month on the 2nd at 08:00 (America/New_York)"),
        (
            "monthly on the last Friday",
            {},
            "Every month on the last Friday at 08:00 (America/New_York)",
        ),
        (
            "every last day of the month",
            {},
            "Every month on the last day at 08:00 (America/New_York)",
        ),
        ("yearly on March 3", {}, "Every year on March 3 at 08:00 (America/New_York)"),
        ("every 6 months", {}, "Every 6 months on the 2nd at 08:00 (America/New_York)"),
        ("weekdays at 9am and 5pm", {}, "Every weekday at 09:00 and 17:00 (America/New_York)"),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
            {},
            "Every month on Mondays, Tuesdays, Wednesdays, Thursdays and Fridays taking only the "
            "second-to-last of those each month at 08:00 (America/New_York)",
        ),
        (
            "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            {},
            "Every month on the 13th if it is a Friday at 08:00 (America/New_York)",
        ),
        (
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=1SU,-1SU",
            {},
            "Every 2 months on the first Sunday and the last Sunday at 08:00 (America/New_York)",
        ),
        (
            "FREQ=YEARLY;BYDAY=20MO",
            {},
            "Every year on the 20th Monday of the year at 08:00 (America/New_York)",
        ),
        (
            "FREQ=YEARLY;BYWEEKNO=1,-1",
            {},
            "Every year in week 1 and the last week of the year at 08:00 (America/New_York)",
        ),
        (
            "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
            {},
            "Every year on Mondays in week 20 of the year at 08:00 (America/New_York)",
        ),
        (
            "FREQ=YEARLY;BYMONTH=6,7,8;BYDAY=TH",
            {},
            "Every year on Thursdays in June, July and August at 08:00 (America/New_York)",
        ),
        (
            "FREQ=YEARLY;INTERVAL=3;BYYEARDAY=1,100,-1",
            {},
            "Every 3 years on day 1, 100 and the last day of the year at 08:00 (America/New_York)",
        ),
        (
            "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
            {},
            "Every day at 09:00, 09:20 \u2026 16:40 (24 times a day) (America/New_York)",
        ),
        ("FREQ=DAILY;COUNT=10", {}, "Every day at 08:00, 10 times (America/New_York)"),
        ("FREQ=DAILY;COUNT=1", {}, "Every day at 08:00, once (America/New_York)"),
        (
            "daily",
            {"ends_at": datetime(2026, 12, 31, 23, 0)},
            "Every day at 08:00, until 2026-12-31 23:00 (America/New_York)",
        ),
        (
            "every 3 days after I finish",
            {},
            "Every 3 days at 08:00, counted from each completion (America/New_York)",
        ),
        (
            "monthly",
            {"mode": "after_completion"},
            "Every month at 08:00, counted from each completion (America/New_York)",
        ),
    ],
)
def test_description(rule: str, options: dict[str, object], description: str) -> None:
    assert parse(rule, start=datetime(2026, 3, 2, 8), **options).description == description


def test_description_in_another_zone() -> None:
    recurrence = parse_recurrence(
        "every monday at 10am", timezone="Australia/Sydney", now=NOW, start=datetime(2026, 3, 2)
    )
    assert recurrence.description == "Every Monday at 10:00 (Australia/Sydney)"


# --- value object, round trip ---------------------------------------------------------


def test_json_round_trip() -> None:
    originals = [
        parse("every 3 days after I finish", start=datetime(2026, 3, 3, 9)),
        parse("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=7", lead_time=timedelta(hours=2)),
        parse("monthly on the last friday", ends_at=datetime(2027, 1, 1, 12, 30)),
    ]
    for original in originals:
        stored = json.loads(json.dumps(original.to_dict()))
        restored = Recurrence.from_dict(stored)
        assert restored == original
        assert restored.preview(5) == original.preview(5)
        assert restored.description == original.description


def test_to_dict_shape() -> None:
    recurrence = parse("FREQ=DAILY;UNTIL=20270101T000000Z", start=datetime(2026, 3, 3, 9, 30))
    assert recurrence.to_dict() == {
        "version": 1,
        "rrule": "FREQ=DAILY",
        "timezone": "America/New_York",
        "start": "2026-03-03T09:30",
        "mode": "fixed",
        "ends_at": "2027-01-01T00:00:00+00:00",
        "count": None,
        "lead_time_seconds": 900,
        "phrase": None,
    }
    assert recurrence.full_rrule == "FREQ=DAILY;UNTIL=20270101T000000Z"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rrule": None}, "rule"),
        ({"rrule": "FREQ=HOURLY"}, "rule"),
        ({"rrule": "FREQ=DAILY;COUNT=3"}, "rule"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-03-03T09:00:00+00:00"}, "start"),
        ({"ends_at": "2027-01-01T00:00:00"}, "ends_at"),
        ({"mode": "whenever"}, "mode"),
        ({"count": "3"}, "count"),
        ({"lead_time_seconds": 1.5}, "lead_time"),
        ({"phrase": 42}, "rule"),
    ],
)
def test_from_dict_rejects_bad_values(change: dict[str, object], field: str) -> None:
    data = parse("daily", start=datetime(2026, 3, 3, 9)).to_dict() | change
    with pytest.raises(RecurrenceError) as caught:
        Recurrence.from_dict(data)
    assert caught.value.field == field


def test_from_dict_ignores_unknown_keys_and_normalizes() -> None:
    data = parse("daily", start=datetime(2026, 3, 3, 9)).to_dict()
    data |= {"rrule": "rrule:freq=daily;interval=1", "added_later": True}
    assert Recurrence.from_dict(data).rrule == "FREQ=DAILY"


def test_value_object_is_immutable_hashable_and_revalidated_on_replace() -> None:
    recurrence = parse("daily", start=datetime(2026, 3, 3, 9))
    with pytest.raises(dataclasses.FrozenInstanceError):
        recurrence.count = 3  # type: ignore[misc]
    assert len({recurrence, Recurrence.from_dict(recurrence.to_dict())}) == 1
    counted = dataclasses.replace(recurrence, count=2)
    assert len(counted.preview(10)) == 2
    with pytest.raises(RecurrenceError):
        dataclasses.replace(recurrence, count=2, ends_at=datetime(2027, 1, 1, tzinfo=UTC))
