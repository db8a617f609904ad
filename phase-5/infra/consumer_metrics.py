"""What every subscriber reports about the events it handles, per topic: how many, with
what outcome, and how long after they were written (the consumer's lag in seconds: the
CloudEvent `time` is the outbox row's commit-side clock, so this covers relay, Kafka and
the consumer together)."""

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram

CONSUMED = Counter(
    "events_consumed_total",
    "Events handled by this service's subscriptions, by topic and outcome (success, retry)",
    ["topic", "outcome"],
)
DELAY = Histogram(
    "events_consume_delay_seconds",
    "Time from the event's CloudEvent time to its handling here (consumer lag, seconds)",
    ["topic"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


def observe(raw: dict[str, Any], status_code: int, now: datetime | None = None) -> None:
    """`raw` is the envelope as Dapr delivered it (it adds `topic`); a 2xx is success, any
    other answer makes Dapr retry (then dead-letter)."""
    topic = str(raw.get("topic") or "unknown")[:100]
    CONSUMED.labels(topic, "success" if 200 <= status_code < 300 else "retry").inc()
    sent = raw.get("time")
    if not isinstance(sent, str):
        return
    try:
        at = datetime.fromisoformat(sent)
    except ValueError:
        return
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    DELAY.labels(topic).observe(max(0.0, ((now or datetime.now(UTC)) - at).total_seconds()))
