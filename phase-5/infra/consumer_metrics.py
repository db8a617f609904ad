"""What every subscriber reports about the events it handles, per topic: how many, with
what outcome, how long after they were written (the consumer's lag in seconds: the
CloudEvent `time` is the outbox row's commit-side clock, so this covers relay, Kafka and
the consumer together), and how old the oldest event it is handling right now is.

The last one exists because the delay is only observed once an event is handled: a
consumer stuck inside its handler (a lock, a hung dependency) observes nothing at all, so
its lag alert would stay silent for exactly as long as it is stuck. The age of what is in
flight grows while it is stuck (found by the slow-consumer drill, tests/chaos)."""

import itertools
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONSUMED = Counter(
    "events_consumed_total",
    "Events handled by this service's subscriptions, by topic and outcome "
    "(success, retry, dropped: poison, dead-lettered at once)",
    ["topic", "outcome"],
)
DELAY = Histogram(
    "events_consume_delay_seconds",
    "Time from the event's CloudEvent time to its handling here (consumer lag, seconds)",
    ["topic"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


def _topic(raw: dict[str, Any]) -> str:
    return str(raw.get("topic") or "unknown")[:100]


def _written_at(raw: dict[str, Any]) -> datetime | None:
    sent = raw.get("time")
    if not isinstance(sent, str):
        return None
    try:
        at = datetime.fromisoformat(sent)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


_DROP = b'"DROP"'


def poison(reason: str) -> JSONResponse:
    """The answer for an event that can never be processed (malformed, breaks its
    contract): Dapr's DROP, which the sidecar forwards to the subscription's dead-letter
    topic at once (daprd 1.18 `pkg/runtime/subscription`), instead of retrying it for the
    ~15 minutes a transient failure gets."""
    return JSONResponse({"status": "DROP", "error": reason}, 200)


def _outcome(response: JSONResponse) -> str:
    if not 200 <= response.status_code < 300:
        return "retry"
    return "dropped" if _DROP in bytes(response.body) else "success"


def observe(raw: dict[str, Any], response: JSONResponse, now: datetime | None = None) -> None:
    """`raw` is the envelope as Dapr delivered it (it adds `topic`); a 2xx is success (or a
    drop), any other answer makes Dapr retry (then dead-letter)."""
    topic = _topic(raw)
    CONSUMED.labels(topic, _outcome(response)).inc()
    at = _written_at(raw)
    if at is None:
        return
    DELAY.labels(topic).observe(max(0.0, ((now or datetime.now(UTC)) - at).total_seconds()))


class InFlight(Collector):
    """The events being handled now, by topic: `events_oldest_in_flight_seconds{topic}` is
    the age (since written) of the oldest of them, 0 when none; read at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._events: dict[int, tuple[str, float]] = {}
        self._topics: set[str] = set()

    @contextmanager
    def handling(self, raw: dict[str, Any]) -> Iterator[None]:
        topic = _topic(raw)
        at = _written_at(raw)
        written = at.timestamp() if at is not None else time.time()
        key = next(self._ids)
        with self._lock:
            self._events[key] = (topic, written)
            self._topics.add(topic)
        try:
            yield
        finally:
            with self._lock:
                del self._events[key]

    def oldest(self, now: float | None = None) -> dict[str, float]:
        now = time.time() if now is None else now
        with self._lock:
            ages = dict.fromkeys(self._topics, 0.0)
            for topic, written in self._events.values():
                ages[topic] = max(ages[topic], now - written)
        return ages

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "events_oldest_in_flight_seconds",
            "Age since written of the oldest event this service is handling now, by topic "
            "(0 when none): grows while a consumer is stuck in its handler",
            labels=["topic"],
        )
        for topic, age in sorted(self.oldest().items()):
            family.add_metric([topic], max(0.0, age))
        yield family


IN_FLIGHT = InFlight()
REGISTRY.register(IN_FLIGHT)
handling = IN_FLIGHT.handling
