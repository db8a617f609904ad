"""Prometheus metrics of the engine's rounds (served by recurring-task-service's /metrics).
Activities run on the workflow worker's thread; prometheus_client is thread-safe."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

ROUNDS = Counter(
    "engine_workflow_rounds_total", "advance_series rounds run, by result (ok, error)", ["result"]
)
ROUND_DURATION = Histogram(
    "engine_workflow_round_duration_seconds",
    "Duration of one advance_series round (one transaction)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


@contextmanager
def round_timer() -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    except BaseException:
        ROUNDS.labels("error").inc()
        raise
    ROUNDS.labels("ok").inc()
    ROUND_DURATION.observe(time.perf_counter() - start)
