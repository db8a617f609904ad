"""Replaying 1,000 already-processed events (the same Kafka records again, as a consumer
that lost its offsets or a re-driven topic would see them) has no effect at all."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from confluent_kafka import ConsumerGroupTopicPartitions, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from engine.reactions import CONSUMER_TASK_EVENTS
from tests.chaos.load import _workflow_state
from tests.support.kafka import TopicTail
from tests.support.smtp import SmtpSink
from tests.support.stack import API, KAFKA, auth, eventually, new_user, query

REPLAYED = 1000
# Which consumer group reads which topic (the Dapr consumer group is the app id).
GROUP_OF = {
    "task-operations": "recurring-task-service",
    "task-modifications": "recurring-task-service",
    "alerts": "notification-service",
}


def _snapshot(user: str, series: list[str]) -> dict[str, Any]:
    """Everything a consumer's effect would change, for this user only."""
    rounds = {sid: _rounds(sid) for sid in series}
    return {
        "tasks": sorted(
            map(tuple, query("SELECT task_id, status FROM tasks WHERE user_id = %s", user))
        ),
        "reminders": sorted(
            map(tuple, query("SELECT reminder_id, status FROM reminders WHERE user_id = %s", user))
        ),
        "deliveries": sorted(
            map(
                tuple,
                query(
                    "SELECT reminder_id, channel, status, attempts FROM notification_deliveries "
                    "WHERE user_id = %s",
                    user,
                ),
            )
        ),
        "processed": query(
            "SELECT count(*) FROM processed_events p JOIN outbox o "
            "ON o.event_id::text = p.event_id WHERE o.partition_key = %s",
            user,
        )[0][0],
        "outbox": query("SELECT count(*) FROM outbox WHERE partition_key = %s", user)[0][0],
        "workflow rounds": rounds,
    }


def _rounds(series_id: str) -> int:
    state = _workflow_state(series_id)
    if state is None or not state.serialized_custom_status:
        return 0
    return int(json.loads(state.serialized_custom_status)["rounds"])


def _committed(group: str, topic: str, partition: int) -> int:
    admin = AdminClient({"bootstrap.servers": KAFKA})
    req = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, partition)])
    (tp,) = admin.list_consumer_group_offsets([req])[group].result().topic_partitions
    return int(tp.offset)


def _settled(user: str, n_reminders: int) -> bool:
    rows = query(
        "SELECT count(*) FROM notification_deliveries WHERE user_id = %s AND status = 'sent'",
        user,
    )
    return int(rows[0][0]) == n_reminders


def _engine_caught_up(user: str, want: int) -> bool:
    rows = query(
        "SELECT count(*) FROM processed_events p JOIN outbox o ON o.event_id::text = p.event_id "
        "WHERE o.partition_key = %s AND p.consumer = %s",
        user,
        CONSUMER_TASK_EVENTS,
    )
    return int(rows[0][0]) >= want


def test_replaying_1000_processed_events_has_no_effect(api: httpx.Client, smtp: SmtpSink) -> None:
    user = new_user()
    tails = {topic: TopicTail(topic) for topic in GROUP_OF}
    assert (
        api.put(
            "/me/notifications", json={"email": f"{user}@example.test"}, headers=auth(user)
        ).status_code
        == 200
    )
    # Events of every kind the consumers act on: series created, instances completed (and
    # the next ones created), tasks with reminders, reminders due.
    series = []
    for i in range(3):
        r = api.post(
            "/tasks",
            json={"title": f"replay {i}", "recurrence": {"rule": "daily", "timezone": "UTC"}},
            headers=auth(user),
        )
        assert r.status_code == 201, r.text
        series.append(r.json())
    due_soon = (datetime.now(UTC) + timedelta(seconds=15)).replace(microsecond=0)
    for i in range(5):
        body = {"title": f"replay due {i}", "due_at": due_soon.isoformat(), "reminders": ["0m"]}
        assert api.post("/tasks", json=body, headers=auth(user)).status_code == 201
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()

    def create(i: int) -> int:
        with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as c:
            body = {"title": f"replay later {i}", "due_at": later, "reminders": ["1h"]}
            return c.post("/tasks", json=body, headers=auth(user)).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(create, range(REPLAYED))) == {201}
    for s in series:
        eventually(lambda s=s: _rounds(s["series_id"]) >= 1, timeout=60)
        assert api.post(f"/tasks/{s['task_id']}/complete", headers=auth(user)).status_code == 200
    for s in series:  # the completion's round is over: the next instance is made
        eventually(lambda s=s: _rounds(s["series_id"]) >= 2, timeout=60)
    # recorded by the engine: series created, tasks with reminders, completions (the
    # instances it makes have no reminders: nothing to record)
    eventually(lambda: _engine_caught_up(user, 3 + 5 + REPLAYED + 3), timeout=180, interval=0.5)
    eventually(lambda: _settled(user, 5), timeout=120, interval=0.5)
    records: list[Message] = []
    for tail in tails.values():
        # Everything is on Kafka already: a few seconds read it all.
        found = tail.find_all(lambda _b, m: m.key() == user.encode(), timeout=8, want=10**6)
        records += [m for _, m in found]
    by_type: dict[str, int] = {}
    for m in records:
        t = json.loads(m.value())["type"]
        by_type[t] = by_type.get(t, 0) + 1
    print(f"{len(records)} records of this user on Kafka: {by_type}")
    assert len(records) >= REPLAYED
    # Every kind is replayed: the alerts and series events first, then task events.
    records.sort(key=lambda m: json.loads(m.value())["type"] == "v1.task.created")
    replay = records[:REPLAYED]
    # Already processed: each consumer group has committed past every record replayed.
    last_of: dict[tuple[str, int], int] = {}
    for m in replay:
        key = (m.topic(), m.partition())
        last_of[key] = max(last_of.get(key, -1), m.offset())
    for (topic, partition), last in last_of.items():
        eventually(
            lambda t=topic, p=partition, last=last: _committed(GROUP_OF[t], t, p) > last,
            timeout=60,
        )
    before = _snapshot(user, [s["series_id"] for s in series])
    mails_before = len(smtp.mail(lambda m: user in m.rcpt_tos[0]))

    producer = Producer({"bootstrap.servers": KAFKA, "enable.idempotence": True})
    ends: dict[tuple[str, int], int] = {}

    def delivered(err: Any, msg: Message) -> None:
        assert err is None, err
        key = (msg.topic(), msg.partition())
        ends[key] = max(ends.get(key, -1), msg.offset())

    t0 = time.monotonic()
    for m in replay:
        producer.produce(
            m.topic(), value=m.value(), key=m.key(), headers=m.headers(), on_delivery=delivered
        )
    assert producer.flush(30) == 0
    # The consumers have handled all of them: their groups committed past the last one.
    for (topic, partition), last in ends.items():
        eventually(
            lambda t=topic, p=partition, last=last: _committed(GROUP_OF[t], t, p) > last,
            timeout=120,
            interval=0.5,
        )
    print(f"{REPLAYED} replayed events consumed in {time.monotonic() - t0:.1f} s")
    after = _snapshot(user, [s["series_id"] for s in series])
    assert after == before
    assert len(smtp.mail(lambda m: user in m.rcpt_tos[0])) == mails_before == 5
