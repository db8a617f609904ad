"""Consumer lag and dead-letter depth, measured from the real broker by the lag exporter
(monitoring/), scraped by the real Prometheus, and an alert it raises routed by the real
Alertmanager to the on-call's webhook and mailbox.

Each test uses its own topics and consumer group, so the services' topics stay untouched:
- a group that stops consuming: its lag in messages and seconds rises in Prometheus, then
  falls to 0 once it consumes and commits;
- a dead-letter topic (`*-dlq`) that receives messages: its depth rises, DeadLetterGrowing
  fires in Prometheus, and Alertmanager delivers it to the chat webhook and by email."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from tests.support.alert_webhook import AlertWebhook
from tests.support.smtp import SmtpSink
from tests.support.stack import KAFKA, eventually

pytestmark = pytest.mark.stack

PROMETHEUS = "http://127.0.0.1:9090"
ALERTMANAGER = "http://127.0.0.1:9097"
PARTITIONS = 3


def _value(expr: str) -> float | None:
    r = httpx.get(f"{PROMETHEUS}/api/v1/query", params={"query": expr}, timeout=10)
    r.raise_for_status()
    result = r.json()["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def _when(expr: str, ok: Any, timeout: float = 90) -> float:
    """Polls Prometheus until the query's single value satisfies ok (two scrapes: 30 s)."""

    # A 1-tuple: `eventually` waits while the result is falsy, and 0.0 is a value we wait for.
    def check() -> tuple[float] | None:
        v = _value(expr)
        return (v,) if v is not None and ok(v) else None

    try:
        return eventually(check, timeout=timeout, interval=2)[0]
    except AssertionError:
        raise AssertionError(f"{expr} never satisfied the condition (now {_value(expr)})") from None


@pytest.fixture
def topics(stack: str) -> Iterator[tuple[str, str]]:
    name = f"lagtest-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": KAFKA})
    new = [NewTopic(t, PARTITIONS, 1) for t in (name, f"{name}-dlq")]
    for f in admin.create_topics(new).values():
        f.result(30)
    yield name, f"{name}-dlq"
    for f in admin.delete_topics([name, f"{name}-dlq"]).values():
        f.result(30)


@pytest.fixture
def webhook(stack: str) -> Iterator[AlertWebhook]:
    hook = AlertWebhook()
    hook.start()
    yield hook
    hook.stop()


def _produce(topic: str, n: int) -> None:
    p = Producer({"bootstrap.servers": KAFKA})
    for i in range(n):
        p.produce(topic, key=str(i % 7), value=f'{{"n": {i}}}')
    assert p.flush(30) == 0


def _consumer(group: str) -> Consumer:
    return Consumer({"bootstrap.servers": KAFKA, "group.id": group, "enable.auto.commit": False})


def test_lag_of_a_stopped_group_rises_in_prometheus_then_falls(topics: tuple[str, str]) -> None:
    topic, _ = topics
    group = f"{topic}-group"
    sel = f'{{topic="{topic}", group="{group}"}}'
    consumer = _consumer(group)
    try:
        # The group is caught up at offset 0 of every partition, then stops reading.
        start = [TopicPartition(topic, p, 0) for p in range(PARTITIONS)]
        consumer.commit(offsets=start, asynchronous=False)
        _when(f"kafka_consumergroup_lag_messages{sel}", lambda v: v == 0)
        _produce(topic, 30)
        _when(f"kafka_consumergroup_lag_messages{sel}", lambda v: v == 30)
        first_age = _when(f"kafka_consumergroup_lag_seconds{sel}", lambda v: v > 0)
        # The oldest unread message keeps ageing while nobody reads.
        _when(f"kafka_consumergroup_lag_seconds{sel}", lambda v: v >= first_age + 10)

        # It reads and commits everything: lag back to 0 in messages and seconds.
        consumer.assign(start)
        seen = 0
        deadline = time.monotonic() + 30
        while seen < 30 and time.monotonic() < deadline:
            seen += len([m for m in consumer.consume(30, timeout=1) if m.error() is None])
        assert seen == 30
        consumer.commit(asynchronous=False)
        _when(f"kafka_consumergroup_lag_messages{sel}", lambda v: v == 0)
        _when(f"kafka_consumergroup_lag_seconds{sel}", lambda v: v == 0)
    finally:
        consumer.close()


def test_a_growing_dead_letter_topic_alerts_the_webhook_and_the_mailbox(
    topics: tuple[str, str], webhook: AlertWebhook, smtp: SmtpSink
) -> None:
    _, dlq = topics
    depth = f'kafka_dlq_depth_messages{{topic="{dlq}"}}'
    # Prometheus must have seen it empty, so that "deeper than 10 minutes ago" is measurable.
    _when(depth, lambda v: v == 0)
    _produce(dlq, 3)
    _when(depth, lambda v: v == 3)

    # Fired in Prometheus (no `for`: at the next evaluation, every 15 s)...
    def firing() -> list[dict[str, Any]] | None:
        alerts = httpx.get(f"{PROMETHEUS}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
        return [
            a
            for a in alerts
            if a["labels"].get("alertname") == "DeadLetterGrowing"
            and a["labels"].get("topic") == dlq
            and a["state"] == "firing"
        ] or None

    (alert,) = eventually(firing, timeout=60, interval=2)
    assert alert["labels"]["severity"] == "warning"

    # ...received by Alertmanager, grouped by alert name and topic...
    def in_alertmanager() -> list[dict[str, Any]] | None:
        r = httpx.get(
            f"{ALERTMANAGER}/api/v2/alerts",
            params={"filter": ['alertname="DeadLetterGrowing"', f'topic="{dlq}"']},
            timeout=10,
        )
        return r.json() or None

    (am_alert,) = eventually(in_alertmanager, timeout=30, interval=1)
    assert [r["name"] for r in am_alert["receivers"]] == ["oncall-chat"]

    # ...and told to the chat webhook (a warning does not page) and to the on-call mailbox,
    # once group_wait (30 s) has passed.
    def notified() -> list[dict[str, Any]] | None:
        return [
            a
            for n in webhook.received()
            if n.path == "/chat" and n.body["status"] == "firing"
            for a in n.alerts("DeadLetterGrowing")
            if a["labels"].get("topic") == dlq
        ] or None

    (hooked,) = eventually(notified, timeout=90, interval=1)
    assert hooked["annotations"]["summary"].endswith(f"dead-lettered to {dlq} in 10 min")
    assert not [n for n in webhook.received() if n.path == "/pager"]
    mails = eventually(
        lambda: smtp.mail(
            lambda m: (
                "oncall@todo.local" in m.rcpt_tos
                and "DeadLetterGrowing" in str(m.message["Subject"])
                and dlq in str(m.message["Subject"])
            )
        ),
        timeout=30,
        interval=1,
    )
    assert len(mails) == 1, "one group, one mail (no duplicate per series)"
    assert str(mails[0].message["From"]) == "alertmanager@todo.local"
