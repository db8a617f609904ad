"""Splitting a series ("this and following", recurrence/split.py): the old series' end and
the new series' rule together give exactly the original schedule, across DST and COUNT."""

from datetime import UTC, datetime, timedelta

import pytest

from recurrence import Recurrence, parse_recurrence, split

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def rule(text: str, tz: str, **kw: object) -> Recurrence:
    return parse_recurrence(text, timezone=tz, now=NOW, **kw)  # type: ignore[arg-type]


def halves(rec: Recurrence, at: int) -> tuple[list[datetime], list[datetime], list[datetime]]:
    whole = rec.preview(30)
    occurrence = whole[at]
    old = Recurrence(
        rrule=rec.rrule,
        timezone=rec.timezone,
        start=rec.start,
        mode=rec.mode,
        ends_at=split.end_before(occurrence),
        count=None,
        lead_time=rec.lead_time,
    )
    new = split.following(rec, occurrence)
    return whole, old.preview(30), new.preview(30 - at)


@pytest.mark.parametrize(
    ("text", "tz"),
    [
        ("every Monday, Wednesday and Friday at 10 AM", "America/New_York"),
        ("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "Europe/Berlin"),
        ("monthly on the last Friday", "Australia/Sydney"),
    ],
)
def test_old_and_new_series_together_are_the_original_schedule(text: str, tz: str) -> None:
    whole, old, new = halves(rule(text, tz), at=7)
    assert old == whole[:7]
    assert new == whole[7:]


def test_a_count_keeps_only_the_occurrences_left() -> None:
    rec = rule("FREQ=DAILY;COUNT=10", "UTC", start=datetime(2026, 3, 2, 9, 0))
    occurrences = rec.preview(10)
    new = split.following(rec, occurrences[3])
    assert new.count == 7
    assert new.preview(20) == occurrences[3:]


def test_the_new_start_is_the_local_wall_time_of_the_occurrence() -> None:
    rec = rule("daily at 9 AM", "America/New_York")
    after_dst = next(o for o in rec.preview(60) if o > datetime(2026, 3, 9, tzinfo=UTC))
    new = split.following(rec, after_dst)
    assert new.start.hour == 9 and new.start.tzinfo is None
    assert new.preview(1) == [after_dst]


def test_the_old_end_falls_just_before_the_split_occurrence() -> None:
    at = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
    assert at - timedelta(seconds=1) == split.end_before(at)
