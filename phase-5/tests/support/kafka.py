"""Reads messages back from the real broker, starting at offsets taken before the action."""

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from tests.support.stack import KAFKA


def partitions(topic: str) -> int:
    md = AdminClient({"bootstrap.servers": KAFKA}).list_topics(topic, timeout=10)
    return len(md.topics[topic].partitions)


class TopicTail:
    """Remembers the end of every partition now; `find` reads only what came after."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer(
            {
                "bootstrap.servers": KAFKA,
                "group.id": f"test-{uuid.uuid4()}",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
        n = partitions(topic)
        self.start = []
        for p in range(n):
            _, high = self.consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            self.start.append(TopicPartition(topic, p, high))
        self.consumer.assign(self.start)

    def find_all(
        self, match: Callable[[dict[str, Any], Message], bool], timeout: float, want: int = 1
    ) -> list[tuple[dict[str, Any], Message]]:
        found: list[tuple[dict[str, Any], Message]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < want:
            msg = self.consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            body = json.loads(msg.value())
            if match(body, msg):
                found.append((body, msg))
        return found

    def find(
        self, match: Callable[[dict[str, Any], Message], bool], timeout: float = 30
    ) -> tuple[dict[str, Any], Message]:
        found = self.find_all(match, timeout)
        assert found, f"no matching message on {self.topic} within {timeout}s"
        return found[0]

    def close(self) -> None:
        self.consumer.close()
