"""Counting what reached Kafka for one user: wait until the user's outbox rows are all
published, then read both task topics from the offsets taken before the action."""

from typing import Any

from tests.support.kafka import TopicTail
from tests.support.stack import eventually, query


class UserEvents:
    def __init__(self, user: str) -> None:
        self.user = user
        self.tails = [TopicTail("task-operations"), TopicTail("task-modifications")]

    def collect(self, expected: int, timeout: float = 30) -> list[tuple[str, dict[str, Any]]]:
        """Every event for this user since construction: (topic, CloudEvent)."""
        eventually(
            lambda: query(
                "SELECT count(*) = 0 FROM outbox WHERE partition_key = %s AND sent_at IS NULL",
                self.user,
            )[0][0],
            timeout=timeout,
        )
        found: list[tuple[str, dict[str, Any]]] = []
        for tail in self.tails:
            for body, _msg in tail.find_all(
                lambda b, m: m.key() == self.user.encode(), timeout=5, want=expected
            ):
                found.append((tail.topic, body))
        return found

    def close(self) -> None:
        for tail in self.tails:
            tail.close()
