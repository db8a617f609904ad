"""The rules of one series round (recurrence/planning.py), on plain values."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from recurrence import Mode, parse_recurrence
from recurrence.planning import SeriesView, herd_offset, plan_round

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


def daily_9am(mode: Mode = Mode.FIXED, count: int | None = None):  # type: ignore[no-untyped-def]
    return parse_recurrence(
        "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
        timezone="UTC",
        now=NOW - timedelta(days=10),
        start=datetime(2026, 2, 20, 9, 0),
        mode=mode,
        count=count,
    )


def view(**kw):  # type: ignore[no-untyped-def]
    base = dict(
        last_occurrence=None,
        skip_until=None,
        pending=0,
        latest_completed_at=None,
        latest_is_completed=False,
        completed_count=0,
    )
    base.update(kw)
    return SeriesView(**base)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def test_completion_brings_the_next_instance_at_once() -> None:
    plan = plan_round(daily_9am(), view(last_occurrence=at(2), pending=0), NOW)
    assert plan.create == [at(3)]
    assert plan.next_occurrence == at(4)
    assert plan.wake_at == at(4) - timedelta(minutes=15)
    assert not plan.finished


def test_pending_instance_waits_for_the_lead_time() -> None:
    plan = plan_round(daily_9am(), view(last_occurrence=at(3), pending=1), NOW)
    assert plan.create == []
    assert plan.wake_at == at(4) - timedelta(minutes=15)


def test_lead_time_reached_creates_even_with_one_pending() -> None:
    now = at(4) - timedelta(minutes=10)
    plan = plan_round(daily_9am(), view(last_occurrence=at(3), pending=1), now)
    assert plan.create == [at(4)]


def test_only_the_latest_missed_occurrence_is_created_after_downtime() -> None:
    # Last instance was Feb 25; the engine was down until Mar 2 12:00.
    plan = plan_round(daily_9am(), view(last_occurrence=at(25, 9).replace(month=2), pending=1), NOW)
    assert plan.create == [at(2)], "one overdue task, not five"
    assert plan.next_occurrence == at(3)


def test_resume_skips_what_was_missed_while_paused() -> None:
    plan = plan_round(
        daily_9am(),
        view(last_occurrence=at(25, 9).replace(month=2), skip_until=NOW, pending=0),
        NOW,
    )
    assert plan.create == [at(3)]


def test_series_finishes_when_count_is_reached_and_nothing_is_pending() -> None:
    rec = daily_9am(count=3)  # Feb 20, 21, 22
    last = datetime(2026, 2, 22, 9, 0, tzinfo=UTC)
    assert plan_round(rec, view(last_occurrence=last, pending=1), NOW).finished is False
    done = plan_round(rec, view(last_occurrence=last, pending=0), NOW)
    assert done.finished and done.create == [] and done.wake_at is None


def test_after_completion_waits_for_completion_then_counts_from_it() -> None:
    rec = parse_recurrence(
        "every 3 days",
        timezone="UTC",
        now=NOW,
        start=datetime(2026, 3, 2, 9, 0),
        mode=Mode.AFTER_COMPLETION,
    )
    waiting = plan_round(rec, view(last_occurrence=at(2), pending=1), NOW)
    assert waiting.create == [] and waiting.wake_at is None and not waiting.finished
    completed = at(3, 18)
    plan = plan_round(
        rec,
        view(
            last_occurrence=at(2),
            pending=0,
            latest_completed_at=completed,
            latest_is_completed=True,
            completed_count=1,
        ),
        completed,
    )
    assert plan.create == [at(6)], "3 days after the Tuesday completion, at the series' 09:00"


def _every(rule: str):  # type: ignore[no-untyped-def]
    return parse_recurrence(
        rule,
        timezone="UTC",
        now=NOW,
        start=datetime(2026, 3, 6, 9, 0),  # first due Friday 6 March, 09:00
        mode=Mode.AFTER_COMPLETION,
    )


def _completed_early(completed: datetime):  # type: ignore[no-untyped-def]
    return view(
        last_occurrence=at(6),
        pending=0,
        latest_completed_at=completed,
        latest_is_completed=True,
        completed_count=1,
        latest_instance="friday-task",
    )


def test_completed_early_the_next_is_completion_plus_interval_even_on_the_same_slot() -> None:
    """Todoist's convention: every 3 days, due Friday, completed Tuesday -> Friday again
    (the slot just completed), keyed by the instance it follows, not by that slot."""
    tuesday = at(3, 13)
    plan = plan_round(_every("FREQ=DAILY;INTERVAL=3"), _completed_early(tuesday), tuesday)
    assert plan.create == [at(6)] and plan.next_occurrence == at(6)
    assert plan.follows == "friday-task"


def test_completed_early_the_next_may_come_before_the_completed_occurrence() -> None:
    tuesday = at(3, 13)
    plan = plan_round(_every("FREQ=DAILY"), _completed_early(tuesday), tuesday)
    assert plan.create == [at(4)], "Wednesday 09:00, before the completed Friday"


def test_completed_early_still_respects_skip_until() -> None:
    tuesday = at(3, 13)
    seen = replace(_completed_early(tuesday), skip_until=at(5, 12))
    plan = plan_round(_every("FREQ=DAILY"), seen, tuesday)
    assert plan.create == [at(6)], "the first occurrence after skip_until"


def test_a_removed_latest_instance_counts_from_now_and_is_followed() -> None:
    seen = replace(_completed_early(at(1)), latest_is_completed=False, latest_instance="gone")
    plan = plan_round(_every("FREQ=DAILY;INTERVAL=3"), seen, NOW)
    assert plan.create == [at(5)] and plan.follows == "gone"


def test_fixed_schedule_instances_follow_nothing() -> None:
    plan = plan_round(daily_9am(), view(last_occurrence=at(2), latest_instance="x"), NOW)
    assert plan.create and plan.follows is None


# --- the herd spread over the lead window (herd_offset) ---

LEAD = timedelta(minutes=15)
CAP = timedelta(minutes=10)


def test_a_herd_wakes_over_the_first_third_of_its_lead_window() -> None:
    offsets = [herd_offset(f"series-{i}", LEAD, 1 / 3, CAP) for i in range(5000)]
    window = timedelta(minutes=5)
    assert all(timedelta(0) <= o < window for o in offsets)
    # Spread evenly: each of the window's ten 30-second slices takes about a tenth of the
    # herd (a broken hash, or seconds truncated to one value, fills one slice).
    slices = [0] * 10
    for o in offsets:
        slices[int(o / (window / 10))] += 1
    assert min(slices) > 400 and max(slices) < 600, slices


def test_a_series_always_wakes_at_the_same_point_of_its_window() -> None:
    assert herd_offset("abc", LEAD, 1 / 3, CAP) == herd_offset("abc", LEAD, 1 / 3, CAP)
    assert herd_offset("abc", LEAD, 1 / 3, CAP) != herd_offset("abd", LEAD, 1 / 3, CAP)
    assert herd_offset("abc", LEAD, 1 / 3, CAP).microseconds % 1000 == 0


def test_the_window_is_capped_and_never_reaches_the_due_instant() -> None:
    day = timedelta(days=1)
    assert all(herd_offset(str(i), day, 1 / 3, CAP) < CAP for i in range(500))
    assert max(herd_offset(str(i), day, 1 / 3, CAP) for i in range(500)) > CAP * 0.9
    short = timedelta(seconds=30)
    assert all(herd_offset(str(i), short, 1.0, CAP) < short for i in range(500))


def test_no_spread_without_a_lead_time_or_a_fraction() -> None:
    assert herd_offset("abc", timedelta(0), 1 / 3, CAP) == timedelta(0)
    assert herd_offset("abc", LEAD, 0.0, CAP) == timedelta(0)
    assert herd_offset("abc", LEAD, 1 / 3, timedelta(0)) == timedelta(0)
