"""The lag exporter's arithmetic and what it exports; the broker side is tested against real
Kafka in tests/integration/test_kafka_lag.py."""

from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from monitoring.kafka_lag import GroupLag, KafkaLagCollector, Snapshot, lag_of


def test_lag_counts_messages_after_the_committed_offset() -> None:
    assert lag_of(committed=40, end=52) == 12
    assert lag_of(committed=52, end=52) == 0


def test_no_commit_yet_is_not_counted_as_lag() -> None:
    # librdkafka reports "no committed offset" as -1001.
    assert lag_of(committed=-1001, end=52) == 0


class _Reader:
    def __init__(self, result: Snapshot | Exception) -> None:
        self.result = result
        self.reads = 0

    def read(self, now: float) -> Snapshot:
        self.reads += 1
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def _export(reader: Any) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KafkaLagCollector(reader))
    return generate_latest(registry).decode()


def test_exports_lag_in_messages_and_seconds_and_dlq_depth() -> None:
    snap = Snapshot(
        lags=[GroupLag("recurring-task-service", "task-operations", 7, 42.5)],
        dlq_depth={"alerts-dlq": 3},
    )
    text = _export(_Reader(snap))
    assert "kafka_lag_exporter_up 1.0" in text
    labels = 'group="recurring-task-service",topic="task-operations"'
    assert f"kafka_consumergroup_lag_messages{{{labels}}} 7.0" in text
    assert f"kafka_consumergroup_lag_seconds{{{labels}}} 42.5" in text
    assert 'kafka_dlq_depth_messages{topic="alerts-dlq"} 3.0' in text


def test_a_failed_read_says_so_and_exports_nothing_stale() -> None:
    text = _export(_Reader(RuntimeError("broker down")))
    assert "kafka_lag_exporter_up 0.0" in text
    assert "kafka_consumergroup_lag_messages{" not in text


def test_scrapes_closer_than_the_interval_share_one_read() -> None:
    reader = _Reader(Snapshot())
    collector = KafkaLagCollector(reader, min_interval=60)
    list(collector.collect())
    list(collector.collect())
    assert reader.reads == 1
