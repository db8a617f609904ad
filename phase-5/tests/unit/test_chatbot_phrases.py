"""Phrases a chatbot sends (issue 11), the default time of day, and `utc` as a zone."""

from datetime import UTC, datetime

import pytest

from recurrence import RecurrenceError, compile_phrase, parse_recurrence
from recurrence.rules import parse_rule

NOW = datetime(2026, 3, 4, 14, 37, tzinfo=UTC)  # a Wednesday afternoon


@pytest.mark.parametrize(
    ("phrase", "rrule"),
    [
        ("twice a week", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("twice a week at 10", "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=10;BYMINUTE=0"),
        ("three times a week", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("on the first of every month", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("the first of every month", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("every 2nd tuesday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("every second Tuesday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("every 2nd Tuesday of the month", "FREQ=MONTHLY;BYDAY=2TU"),
        ("every other day", "FREQ=DAILY;INTERVAL=2"),
        ("every weekday except Friday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH"),
        ("weekdays but not Mondays", "FREQ=WEEKLY;BYDAY=TU,WE,TH,FR"),
    ],
)
def test_chatbot_phrases_compile(phrase: str, rrule: str) -> None:
    assert compile_phrase(phrase) == rrule


@pytest.mark.parametrize("phrase", ["every hour", "every 2 hours", "hourly", "every 30 minutes"])
def test_sub_daily_phrases_are_refused_with_the_reason(phrase: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        compile_phrase(phrase)
    assert caught.value.field == "rule"
    assert "not supported" in caught.value.message and "at most daily" in caught.value.message
    assert "every day at 9, 13 and 17" in caught.value.message


def test_excepting_every_day_named_is_not_understood() -> None:
    with pytest.raises(RecurrenceError):
        compile_phrase("every Monday except Monday")


def test_a_phrase_without_a_time_starts_at_nine_local() -> None:
    rec = parse_recurrence("every Monday", timezone="Europe/Berlin", now=NOW)
    assert rec.next_after(NOW) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # 09:00 CET
    daily = parse_recurrence("daily", timezone="UTC", now=NOW)
    assert daily.next_after(NOW) == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def test_the_default_time_never_starts_in_the_past() -> None:
    # 14:37 UTC: today's 09:00 has passed, so a counted series starts tomorrow and keeps
    # both of its occurrences ahead.
    two = parse_recurrence("daily", timezone="UTC", now=NOW, count=2)
    assert two.start == datetime(2026, 3, 5, 9, 0)
    assert two.preview(5) == [
        datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 6, 9, 0, tzinfo=UTC),
    ]
    early = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    assert parse_recurrence("daily", timezone="UTC", now=early).start == datetime(2026, 3, 4, 9)


def test_after_completion_phrases_keep_the_creation_minute() -> None:
    rec = parse_recurrence("every 3 days after I finish", timezone="UTC", now=NOW)
    assert rec.start == datetime(2026, 3, 4, 14, 37)


def test_a_time_an_rrule_or_a_start_keeps_its_own_time() -> None:
    timed = parse_recurrence("daily at 18:30", timezone="UTC", now=NOW)
    assert timed.next_after(NOW) == datetime(2026, 3, 4, 18, 30, tzinfo=UTC)
    rrule = parse_recurrence("FREQ=DAILY", timezone="UTC", now=NOW)
    assert rrule.next_after(NOW) == datetime(2026, 3, 5, 14, 37, tzinfo=UTC)
    started = parse_recurrence("daily", timezone="UTC", now=NOW, start=datetime(2026, 3, 4, 16, 0))
    assert started.next_after(NOW) == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["utc", "UTC", "Z", "Etc/UTC", "gmt"])
def test_utc_spellings_are_accepted(name: str) -> None:
    assert parse_recurrence("daily at 9", timezone=name, now=NOW).timezone == "UTC"


def test_an_oversized_count_says_so() -> None:
    with pytest.raises(RecurrenceError) as caught:
        parse_rule("FREQ=DAILY;COUNT=100000")
    assert "whole number" not in caught.value.message
    assert "from 1 to 1000" in caught.value.message
