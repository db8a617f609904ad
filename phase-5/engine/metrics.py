"""Prometheus metrics of recurring-task-service besides the rounds (activities/metrics.py)
and the consumed events (infra/consumer_metrics.py), served at GET /metrics."""

from prometheus_client import Counter, Gauge, Histogram

LIVE_SERIES = Gauge("engine_live_series", "Series whose workflow should be running (active/paused)")
REMINDER_JOBS = Counter(
    "engine_reminder_jobs_total",
    "Reminder job callbacks, by outcome (published, cancelled, unknown)",
    ["outcome"],
)
REMINDER_LATENESS = Histogram(
    "engine_reminder_lateness_seconds",
    "Time from a reminder's scheduled time to its v1.reminder.due being published",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900),
)
