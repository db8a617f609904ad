"""Benchmark of the recurrence engine: prints numbers, asserts nothing.

    cd phase-5 && uv run python bench/bench_recurrence.py

For five typical rules: the median time to parse (phrase or RRULE -> validated
Recurrence), to find the next occurrence after a cursor, to preview 10 occurrences and
to compute the next due date after a completion. Series start three years before the
cursors, so next_after cannot just replay from DTSTART. The last column is dateutil's
own ``rrule.after`` from DTSTART on the same rule, for comparison.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dateutil.rrule import rrulestr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recurrence import Recurrence, parse_recurrence

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NAIVE_NOW = NOW.replace(tzinfo=None)
START = datetime(2023, 3, 1, 8, 0)
RULES = [
    ("every Monday, Wednesday and Friday at 10 AM", "America/New_York"),
    ("daily at 9am", "Europe/London"),
    ("every 2 weeks on Monday and Wednesday", "America/New_York"),
    ("monthly on the last Friday", "Australia/Sydney"),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2;BYHOUR=17;BYMINUTE=0", "UTC"),
]
CURSORS = [NOW + timedelta(hours=7 * k + 0.5) for k in range(200)]


def median_us(call: Callable[[], object], repeat: int) -> float:
    call()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - began)
    return statistics.median(samples) / 1000


def over_cursors(recurrence: Recurrence) -> Callable[[], object]:
    position = 0

    def call() -> object:
        nonlocal position
        position = (position + 1) % len(CURSORS)
        return recurrence.next_after(CURSORS[position])

    return call


def main() -> None:
    print(f"python {sys.version.split()[0]}; series start {START:%Y-%m-%d}, cursors from {NOW}")
    header = (
        f"{'rule':<62} {'parse':>8} {'next_after':>11} {'preview10':>10} "
        f"{'completion':>11} {'dateutil':>9}"
    )
    print(header)
    print(f"{'':<62} {'(us)':>8} {'(us)':>11} {'(us)':>10} {'(us)':>11} {'(us)':>9}")
    next_medians = []
    for rule, zone in RULES:
        recurrence = parse_recurrence(rule, timezone=zone, now=NOW, start=START)
        parse = median_us(
            lambda rule=rule, zone=zone: parse_recurrence(
                rule, timezone=zone, now=NOW, start=START
            ),
            300,
        )
        following = median_us(over_cursors(recurrence), 5000)
        preview = median_us(lambda recurrence=recurrence: recurrence.preview(10, after=NOW), 1000)
        completion = median_us(
            lambda recurrence=recurrence: recurrence.next_after_completion(NOW), 2000
        )
        plain = rrulestr(recurrence.rrule, dtstart=START)
        dateutil_after = median_us(lambda plain=plain: plain.after(NAIVE_NOW), 200)
        next_medians.append(following)
        print(
            f"{rule[:62]:<62} {parse:>8.1f} {following:>11.1f} {preview:>10.1f} "
            f"{completion:>11.1f} {dateutil_after:>9.1f}"
        )
    overall = statistics.median(next_medians)
    print(f"median next_after over the {len(RULES)} rules: {overall:.1f} us")


if __name__ == "__main__":
    main()
