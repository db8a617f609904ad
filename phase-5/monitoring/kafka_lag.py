"""Consumer lag and dead-letter depth, read from the broker with confluent-kafka.

For every consumer group with committed offsets: messages between its committed offset and
the end of each partition, and how old the oldest of them is (the timestamp Kafka stored
with the first message the group has not consumed yet). For every dead-letter topic: how
many messages it holds. The broker is the truth here; the services' own consumer metrics
cannot see a consumer that stopped altogether."""

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._listoffsets import OffsetSpec  # admin re-exports it untyped
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("kafka-lag-exporter")

DLQ_SUFFIX = "-dlq"
READ_TIMEOUT_S = 5.0
# The exporter's own consumer only reads (assign + seek, never commits): no group appears.
OWN_GROUP = "kafka-lag-exporter"
_LATEST: OffsetSpec = OffsetSpec.latest()  # type: ignore[no-untyped-call]
_EARLIEST: OffsetSpec = OffsetSpec.earliest()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class GroupLag:
    group: str
    topic: str
    messages: int
    seconds: float


@dataclass
class Snapshot:
    lags: list[GroupLag] = field(default_factory=list)
    dlq_depth: dict[str, int] = field(default_factory=dict)


class SnapshotReader(Protocol):
    def read(self, now: float) -> Snapshot: ...


def lag_of(committed: int, end: int) -> int:
    """Messages a group still has to read in one partition. No commit yet (negative
    offset): the group reads from where it joins, so nothing is counted as behind."""
    return max(0, end - committed) if committed >= 0 else 0


class KafkaLagReader:
    """One admin client and one read-only consumer, made once; `read()` per scrape. The
    timeout stays under Prometheus' 10 s scrape timeout, so a lost broker shows as
    `kafka_lag_exporter_up 0`, not as a failed scrape."""

    def __init__(
        self, config: dict[str, str | int | float | bool], timeout: float = READ_TIMEOUT_S
    ) -> None:
        self.timeout = timeout
        self.admin = AdminClient(config)
        self.consumer = Consumer(
            {
                **config,
                "group.id": OWN_GROUP,
                "enable.auto.commit": "false",
                "enable.partition.eof": "false",
            }
        )

    def close(self) -> None:
        self.consumer.close()

    def _topics(self) -> dict[str, int]:
        md = self.admin.list_topics(timeout=self.timeout)
        return {
            name: len(t.partitions)
            for name, t in md.topics.items()
            if not name.startswith("__") and t.error is None
        }

    def _offsets(
        self, tps: Iterable[TopicPartition], spec: OffsetSpec
    ) -> dict[tuple[str, int], int]:
        wanted = {tp: spec for tp in tps}
        if not wanted:
            return {}
        futures = self.admin.list_offsets(wanted, request_timeout=self.timeout)
        return {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}

    def _groups(self) -> list[str]:
        listed = self.admin.list_consumer_groups(request_timeout=self.timeout).result()
        return sorted(g.group_id for g in listed.valid if g.group_id != OWN_GROUP)

    def _committed(self, group: str) -> list[TopicPartition]:
        # The API takes one group per request.
        req = [ConsumerGroupTopicPartitions(group)]
        (future,) = self.admin.list_consumer_group_offsets(
            req, request_timeout=self.timeout
        ).values()
        return list(future.result().topic_partitions or [])

    def _first_timestamps(self, at: list[TopicPartition]) -> dict[tuple[str, int], float]:
        """Kafka's timestamp (s) of the message at each given offset: the oldest unread."""
        if not at:
            return {}
        self.consumer.assign(at)
        found: dict[tuple[str, int], float] = {}
        deadline = time.monotonic() + 3.0
        while len(found) < len(at) and time.monotonic() < deadline:
            for msg in self.consumer.consume(num_messages=len(at), timeout=0.5):
                topic, partition = msg.topic(), msg.partition()
                if topic is None or partition is None or msg.error() is not None:
                    continue
                key = (topic, partition)
                if key not in found:
                    _, ts = msg.timestamp()
                    found[key] = ts / 1000.0
        self.consumer.unassign()
        return found

    def read(self, now: float) -> Snapshot:
        topics = self._topics()
        all_tps = [TopicPartition(t, p) for t, n in topics.items() for p in range(n)]
        end = self._offsets(all_tps, _LATEST)
        snap = Snapshot()
        dlq_tps = [tp for tp in all_tps if tp.topic.endswith(DLQ_SUFFIX)]
        start = self._offsets(dlq_tps, _EARLIEST)
        for tp in dlq_tps:
            key = (tp.topic, tp.partition)
            snap.dlq_depth[tp.topic] = snap.dlq_depth.get(tp.topic, 0) + max(
                0, end[key] - start[key]
            )
        for group in self._groups():
            per_topic: dict[str, int] = {}
            behind: list[TopicPartition] = []
            for tp in self._committed(group):
                key = (tp.topic, tp.partition)
                if key not in end:
                    continue
                lag = lag_of(tp.offset, end[key])
                per_topic[tp.topic] = per_topic.get(tp.topic, 0) + lag
                if lag:
                    behind.append(TopicPartition(tp.topic, tp.partition, tp.offset))
            oldest = self._first_timestamps(behind)
            for topic, messages in sorted(per_topic.items()):
                ages = [now - ts for (t, _), ts in oldest.items() if t == topic]
                seconds = max([0.0, *ages]) if messages else 0.0
                snap.lags.append(GroupLag(group, topic, messages, seconds))
        return snap


class KafkaLagCollector(Collector):
    """Reads the broker on each scrape (at most every `min_interval` s; Prometheus scrapes
    every 15 s). A failed read exports `kafka_lag_exporter_up 0` and nothing stale."""

    def __init__(self, reader: SnapshotReader, min_interval: float = 5.0) -> None:
        self.reader = reader
        self.min_interval = min_interval
        self._last: tuple[float, Snapshot | None] = (0.0, None)

    def _snapshot(self) -> Snapshot | None:
        at, snap = self._last
        if time.monotonic() - at < self.min_interval:
            return snap
        try:
            snap = self.reader.read(time.time())
        except Exception:  # the broker down or slow: say so, keep serving
            log.exception("reading offsets from Kafka failed")
            snap = None
        self._last = (time.monotonic(), snap)
        return snap

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self._snapshot()
        up = GaugeMetricFamily(
            "kafka_lag_exporter_up", "1 if the last read of the broker's offsets succeeded"
        )
        up.add_metric([], 0.0 if snap is None else 1.0)
        yield up
        if snap is None:
            return
        lag = GaugeMetricFamily(
            "kafka_consumergroup_lag_messages",
            "Messages written to the topic that the group has not committed yet",
            labels=["topic", "group"],
        )
        age = GaugeMetricFamily(
            "kafka_consumergroup_lag_seconds",
            "Age of the oldest message the group has not consumed yet (0 when caught up)",
            labels=["topic", "group"],
        )
        for g in snap.lags:
            lag.add_metric([g.topic, g.group], float(g.messages))
            age.add_metric([g.topic, g.group], g.seconds)
        depth = GaugeMetricFamily(
            "kafka_dlq_depth_messages",
            "Messages held by a dead-letter topic (end minus earliest offset)",
            labels=["topic"],
        )
        for topic, n in sorted(snap.dlq_depth.items()):
            depth.add_metric([topic], float(n))
        yield from (lag, age, depth)
