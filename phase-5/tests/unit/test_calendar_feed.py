"""The calendar feed, built from plain values and read back the way a calendar app reads it
(icalendar parses, recurring-ical-events expands): exactly the occurrences the series has."""

import uuid
from datetime import UTC, datetime, timedelta

import icalendar
import recurring_ical_events

from api.calendar_feed import FeedSeries, FeedTask, build_feed
from recurrence import parse_recurrence

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _task(series_id: uuid.UUID | None, at: datetime, **kw: object) -> FeedTask:
    fields: dict[str, object] = {
        "task_id": uuid.uuid4(),
        "series_id": series_id,
        "title": "Standup",
        "description": None,
        "due_at": at,
        "occurrence_at": at if series_id else None,
        "status": "pending",
        "is_exception": False,
        "updated_at": NOW,
    }
    fields.update(kw)
    return FeedTask(**fields)  # type: ignore[arg-type]


def _expand(ics: bytes, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    cal = icalendar.Calendar.from_ical(ics)
    found = recurring_ical_events.of(cal).between(start, end)
    return sorted((str(e["SUMMARY"]), e["DTSTART"].dt.astimezone(UTC)) for e in found)


def _series(rule: str, tz: str, status: str = "active", **kw: object) -> FeedSeries:
    rec = parse_recurrence(rule, timezone=tz, now=NOW, start=kw.pop("start", None))  # type: ignore[arg-type]
    return FeedSeries(
        series_id=uuid.uuid4(),
        title="Standup",
        description="daily",
        status=status,
        recurrence=rec,
        skip_until=kw.get("skip_until"),  # type: ignore[arg-type]
        updated_at=NOW,
    )


def test_skipped_edited_and_deleted_occurrences_round_trip() -> None:
    s = _series("every day at 9 AM", "Europe/Paris")
    days = s.recurrence.preview(8, after=NOW)
    sid = s.series_id
    tasks = [
        _task(sid, days[0], status="completed"),
        _task(sid, days[1], status="deleted"),  # skipped
        _task(
            sid,
            days[2],
            title="Standup (moved)",
            due_at=days[2] + timedelta(hours=2),
            is_exception=True,
        ),
        _task(sid, days[3]),
        _task(None, NOW + timedelta(days=2, hours=3), title="Dentist"),
        _task(None, NOW + timedelta(days=3), title="Gone", status="deleted"),
    ]
    ics = build_feed([s], tasks, now=NOW)
    got = _expand(ics, NOW, days[6] + timedelta(minutes=1))
    expected = sorted(
        [
            ("Standup", days[0]),
            ("Standup (moved)", days[2] + timedelta(hours=2)),
            ("Standup", days[3]),
            ("Dentist", NOW + timedelta(days=2, hours=3)),
            *(("Standup", d) for d in days[4:7]),
        ]
    )
    assert got == expected
    text = ics.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Paris" in text
    assert "EXDATE;TZID=Europe/Paris:" in text and "RECURRENCE-ID;TZID=Europe/Paris:" in text


def test_paused_series_shows_nothing_past_its_frontier_and_skip_until_excludes() -> None:
    s = _series("every day at 9 AM", "America/New_York", status="paused")
    days = s.recurrence.preview(5, after=NOW)
    tasks = [_task(s.series_id, days[0])]
    got = _expand(build_feed([s], tasks, now=NOW), NOW, days[4] + timedelta(hours=1))
    assert got == [("Standup", days[0])]

    resumed = FeedSeries(**{**s.__dict__, "status": "active", "skip_until": days[2]})
    got = _expand(build_feed([resumed], tasks, now=NOW), NOW, days[4] + timedelta(hours=1))
    # Passed over while paused: days[1] and days[2] are never created.
    assert got == [("Standup", days[0]), ("Standup", days[3]), ("Standup", days[4])]


def test_count_becomes_until_from_the_first_real_occurrence() -> None:
    rec = parse_recurrence(
        "FREQ=WEEKLY;BYDAY=MO,WE",
        timezone="UTC",
        now=NOW,
        count=4,
        start=datetime(2026, 12, 1, 10, 0),
    )
    s = FeedSeries(uuid.uuid4(), "Gym", None, "active", rec, None, NOW)
    occ = rec.preview(4)
    tasks = [_task(s.series_id, occ[0], title="Gym")]
    got = _expand(
        build_feed([s], tasks, now=NOW), NOW - timedelta(days=1), NOW + timedelta(days=60)
    )
    assert got == [("Gym", at) for at in occ]
    assert "COUNT" not in build_feed([s], tasks, now=NOW).decode()


def test_tasks_the_rule_cannot_express_stay_events_of_their_own() -> None:
    # A task left from a replaced rule (10:30 is not on the 9:00 rule), and an
    # after-completion series, whose next dates depend on when things get done.
    s = _series("every day at 9 AM", "UTC")
    days = s.recurrence.preview(3, after=NOW)
    old = NOW + timedelta(hours=22, minutes=30)
    tasks = [
        _task(s.series_id, days[0]),
        _task(s.series_id, old, title="Old rule", status="completed"),
    ]
    after = parse_recurrence("daily", timezone="UTC", now=NOW, mode="after_completion")
    a = FeedSeries(uuid.uuid4(), "Stretch", None, "active", after, None, NOW)
    stretch = NOW + timedelta(hours=5)
    tasks.append(_task(a.series_id, stretch, title="Stretch"))
    got = _expand(build_feed([s, a], tasks, now=NOW), NOW, days[2] + timedelta(minutes=1))
    assert got == sorted([("Old rule", old), ("Stretch", stretch), *(("Standup", d) for d in days)])
