"""What the chatbot says about a series' next occurrences: never a date the engine will not use."""

from chatbot.texts import series_line

BASE = {"series_id": "s1", "title": "Water the cactus", "rule_description": "every 3 days"}


def test_an_after_completion_series_promises_no_date() -> None:
    line = series_line({**BASE, "status": "active", "mode": "after_completion"})
    assert "an interval after the pending one is completed" in line
    assert "nothing upcoming" not in line


def test_a_fixed_series_lists_its_next_dates_in_its_zone() -> None:
    line = series_line(
        {
            **BASE,
            "status": "active",
            "mode": "fixed",
            "timezone": "Europe/Paris",
            "next_occurrences": ["2026-12-01T08:00:00Z"],
        }
    )
    assert line.endswith("next: Tue 01 Dec 2026 09:00 (Europe/Paris)")


def test_a_paused_series_says_it_is_paused() -> None:
    line = series_line({**BASE, "status": "paused", "mode": "after_completion"})
    assert "paused; nothing upcoming until resumed" in line
