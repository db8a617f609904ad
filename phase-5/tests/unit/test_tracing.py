"""Sampling and export rules of infra/tracing.py, and the trace context in the CloudEvent,
with the real OpenTelemetry SDK and an in-memory exporter (no network)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.propagate import extract
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from sqlalchemy import create_engine, text

from contracts.events import TaskData, TaskDeleted, cloud_event
from infra.tracing import instrument_app, instrument_engine, provider

TP_SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TP_UNSAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"


def _spans(ratio: float, parent: str | None, error: bool) -> list[str]:
    exporter = InMemorySpanExporter()
    tp = provider("test", ratio, exporter)
    ctx = extract({"traceparent": parent}) if parent else None
    with tp.get_tracer("t").start_as_current_span("work", context=ctx) as span:
        if error:
            span.set_status(Status(StatusCode.ERROR, "boom"))
    tp.force_flush()
    names = [s.name for s in exporter.get_finished_spans()]
    tp.shutdown()
    return names


def test_all_roots_are_kept_at_ratio_one_and_none_at_zero() -> None:
    assert _spans(1.0, None, error=False) == ["work"]
    assert _spans(0.0, None, error=False) == []


def test_a_span_in_error_is_kept_whatever_the_sampling() -> None:
    assert _spans(0.0, None, error=True) == ["work"]
    assert _spans(1.0, TP_UNSAMPLED, error=True) == ["work"]


def test_children_follow_their_parent() -> None:
    assert _spans(0.0, TP_SAMPLED, error=False) == ["work"]
    assert _spans(1.0, TP_UNSAMPLED, error=False) == []


def test_an_exported_error_span_keeps_its_trace_and_parent() -> None:
    exporter = InMemorySpanExporter()
    tp = provider("test", 0.0, exporter)
    with tp.get_tracer("t").start_as_current_span(
        "work", context=extract({"traceparent": TP_UNSAMPLED})
    ) as span:
        span.set_status(Status(StatusCode.ERROR, "boom"))
    tp.force_flush()
    (got,) = exporter.get_finished_spans()
    assert got.context is not None and got.parent is not None
    assert format(got.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert format(got.parent.span_id, "016x") == "b7ad6b7169203331"
    tp.shutdown()


def _event() -> TaskDeleted:
    task = TaskData(
        task_id="7c0e7a8e-3c1e-4a53-9a1e-2f1d6f3e1a11",
        title="t",
        status="pending",
        priority="medium",
    )
    return TaskDeleted(user_id="u", task=task)


def test_the_cloud_event_carries_the_trace_context_dapr_keeps() -> None:
    event = cloud_event(_event(), source="test", traceparent=TP_SAMPLED)
    assert event["traceparent"] == TP_SAMPLED
    assert event["traceid"] == TP_SAMPLED  # Dapr keeps the envelope's own when it has one


def test_no_trace_context_no_trace_fields() -> None:
    event = cloud_event(_event(), source="test")
    assert "traceparent" not in event and "traceid" not in event


class _AsyncLike:
    def __init__(self) -> None:
        self.sync_engine = create_engine("sqlite://")


def test_every_engine_gets_a_span_per_statement_under_the_current_span() -> None:
    """Two engines in one process (the activities build one per loop): both traced."""
    exporter = InMemorySpanExporter()
    tp = provider("test", 1.0, exporter)
    engines = [_AsyncLike(), _AsyncLike()]
    for e in engines:
        instrument_engine(e, tracer_provider=tp)
    with tp.get_tracer("t").start_as_current_span("round") as parent:
        for e in engines:
            with e.sync_engine.connect() as conn:
                conn.execute(text("select 1"))
    tp.force_flush()
    statements = [s for s in exporter.get_finished_spans() if s.name != "round"]
    assert len(statements) == 2
    assert all(s.parent is not None for s in statements)
    assert {s.parent.span_id for s in statements if s.parent} == {parent.get_span_context().span_id}
    tp.shutdown()


def test_a_request_is_one_server_span_without_the_asgi_message_spans() -> None:
    exporter = InMemorySpanExporter()
    tp = provider("test", 1.0, exporter)
    app = FastAPI()

    @app.post("/events/{topic}")
    def receive(topic: str) -> dict[str, str]:
        return {"status": "SUCCESS"}

    instrument_app(app, tp)
    with TestClient(app) as client:
        assert client.post("/events/task-operations").status_code == 200
        assert client.get("/healthz").status_code == 404
    tp.force_flush()
    assert [s.name for s in exporter.get_finished_spans()] == ["POST /events/{topic}"]
    tp.shutdown()
