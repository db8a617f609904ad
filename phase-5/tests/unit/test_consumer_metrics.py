"""Consumer metrics: the age of the oldest event a consumer is handling (visible while it is
stuck, gone once it returns: a stuck handler observes no delay at all, so the lag alert needs
this), and poison answered DROP (dead-lettered at once) rather than retried."""

from datetime import UTC, datetime, timedelta

import pytest

from infra.consumer_metrics import CONSUMED, InFlight, observe, poison


def _event(topic: str, age_s: float, now: datetime) -> dict[str, str]:
    return {"topic": topic, "time": (now - timedelta(seconds=age_s)).isoformat()}


def test_the_oldest_event_in_flight_ages_until_its_handler_returns() -> None:
    flight = InFlight()
    now = datetime.now(UTC)
    assert flight.oldest(now.timestamp()) == {}
    with (
        flight.handling(_event("task-operations", 90, now)),
        flight.handling(_event("task-operations", 5, now)),
    ):
        assert flight.oldest(now.timestamp()) == {"task-operations": pytest.approx(90.0)}
        # still stuck a minute later: the age grows with the clock
        assert flight.oldest(now.timestamp() + 60)["task-operations"] == pytest.approx(150.0)
    # handled: the topic stays visible, at 0, so the series does not vanish
    assert flight.oldest(now.timestamp()) == {"task-operations": 0.0}


def test_a_failing_handler_leaves_nothing_in_flight() -> None:
    flight = InFlight()
    now = datetime.now(UTC)
    try:
        with flight.handling(_event("alerts", 30, now)):
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass
    assert flight.oldest(now.timestamp()) == {"alerts": 0.0}


def test_the_gauge_is_exported_per_topic() -> None:
    flight = InFlight()
    now = datetime.now(UTC)
    with flight.handling(_event("alerts", 400, now)):
        (family,) = list(flight.collect())
    assert family.name == "events_oldest_in_flight_seconds"
    ((labels, value),) = [(s.labels, s.value) for s in family.samples]
    assert labels == {"topic": "alerts"} and value >= 400


def test_poison_is_dropped_to_the_dead_letter_topic_and_counted_apart() -> None:
    answer = poison("malformed event")
    # Dapr reads the status from a 2xx body: DROP forwards to the dead-letter topic at
    # once; a 5xx would be retried with backoff (for a transient failure) first.
    assert answer.status_code == 200
    assert b'"status":"DROP"' in bytes(answer.body)
    before = CONSUMED.labels("t-poison", "dropped")._value.get()
    observe({"topic": "t-poison"}, answer)
    assert CONSUMED.labels("t-poison", "dropped")._value.get() == before + 1
