"""dev-down then dev-up keeps every row and every Kafka consumer offset."""

import httpx
from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from engine.reactions import CONSUMER_TASK_EVENTS
from tests.support.stack import (
    KAFKA,
    auth,
    eventually,
    new_user,
    query,
    run_script,
    task_with_reminder,
)


def _committed(group: str, topic: str) -> int:
    admin = AdminClient({"bootstrap.servers": KAFKA})
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(12)])
    result = admin.list_consumer_group_offsets([request])[group].result()
    return sum(max(tp.offset, 0) for tp in result.topic_partitions)


def test_down_and_up_keeps_data_and_consumer_offsets(api: httpx.Client) -> None:
    user = new_user()
    task = api.post(
        "/tasks", json=task_with_reminder("survives restarts"), headers=auth(user)
    ).json()
    eventually(
        lambda: query(
            "SELECT 1 FROM processed_events p JOIN outbox o ON o.event_id::text = p.event_id "
            "WHERE o.partition_key = %s AND p.consumer = %s",
            user,
            CONSUMER_TASK_EVENTS,
        ),
        timeout=30,
    )
    before = eventually(lambda: _committed("recurring-task-service", "task-operations"), timeout=30)

    run_script("dev-down.sh")
    run_script("dev-up.sh", "--no-reload")

    assert (
        api.get(f"/tasks/{task['task_id']}", headers=auth(user)).json()["title"]
        == "survives restarts"
    )
    after = _committed("recurring-task-service", "task-operations")
    assert after >= before > 0, "offsets kept: the engine does not re-read the topic from the start"
    again = api.post("/tasks", json=task_with_reminder("after restart"), headers=auth(user))
    assert again.status_code == 201
    eventually(
        lambda: (
            query(
                "SELECT count(*) FROM processed_events p "
                "JOIN outbox o ON o.event_id::text = p.event_id "
                "WHERE o.partition_key = %s AND p.consumer = %s",
                user,
                CONSUMER_TASK_EVENTS,
            )[0][0]
            == 2
        ),
        timeout=60,
    )
