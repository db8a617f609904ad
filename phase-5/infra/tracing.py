"""Traces: OpenTelemetry in every service, exported to Zipkin, W3C trace context everywhere.

One user action is one trace, across the asynchronous hops too: the `traceparent` of the
span that writes an outbox row, a reminder or a delivery is stored with it (and in the
CloudEvent), and whoever acts on that row later opens its span as a child of it
(`span_from`). Sampling is a ratio of root traces (1.0 locally; the chart sets production
lower), children follow their parent, and a span that ends in error is exported even in a
trace the ratio dropped: every span is recorded, and `_KeepErrors` exports the unsampled
ones whose status is ERROR (the rest of such a trace is gone; only a collector with tail
sampling keeps whole failed traces)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import SpanContext, SpanKind, StatusCode, TraceFlags

from infra.settings import Settings

log = logging.getLogger(__name__)
TRACEPARENT = "traceparent"
_state: dict[str, Any] = {}


class _RecordUnsampled(Sampler):
    """Wraps a sampler: what it drops is still recorded (not exported), so an error in it
    can be kept."""

    def __init__(self, inner: Sampler) -> None:
        self._inner = inner

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        result = self._inner.should_sample(*args, **kwargs)
        if result.decision == Decision.DROP:
            return SamplingResult(Decision.RECORD_ONLY, result.attributes, result.trace_state)
        return result

    def get_description(self) -> str:
        return f"RecordUnsampled({self._inner.get_description()})"


class _RecordOnly(Sampler):
    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return SamplingResult(Decision.RECORD_ONLY)

    def get_description(self) -> str:
        return "RecordOnly"


def sampler(ratio: float) -> Sampler:
    """Roots by ratio; children as their parent; nothing dropped unrecorded."""
    return ParentBased(
        root=_RecordUnsampled(TraceIdRatioBased(ratio)),
        remote_parent_not_sampled=_RecordOnly(),
        local_parent_not_sampled=_RecordOnly(),
    )


def _as_sampled(span: ReadableSpan) -> ReadableSpan:
    ctx = span.context
    assert ctx is not None
    sampled = SpanContext(
        ctx.trace_id, ctx.span_id, ctx.is_remote, TraceFlags(TraceFlags.SAMPLED), ctx.trace_state
    )
    return ReadableSpan(
        name=span.name,
        context=sampled,
        parent=span.parent,
        resource=span.resource,
        attributes=span.attributes,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class _KeepErrors(SpanProcessor):
    """Exports sampled spans, and unsampled ones that ended in error."""

    def __init__(self, inner: SpanProcessor) -> None:
        self._inner = inner

    def on_end(self, span: ReadableSpan) -> None:
        if span.context is None:
            return
        if span.context.trace_flags.sampled:
            self._inner.on_end(span)
        elif span.status.status_code == StatusCode.ERROR:
            self._inner.on_end(_as_sampled(span))

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def provider(service: str, ratio: float, exporter: SpanExporter | None) -> TracerProvider:
    tp = TracerProvider(resource=Resource.create({"service.name": service}), sampler=sampler(ratio))
    if exporter is not None:
        tp.add_span_processor(_KeepErrors(BatchSpanProcessor(exporter)))
    return tp


def configure(settings: Settings) -> None:
    """Once per process, before any client or engine is built: the global tracer provider
    and the instrumentation of outgoing gRPC (the Dapr SDK) and HTTP (httpx)."""
    if _state.get("configured") or not settings.tracing_enabled:
        return
    from opentelemetry.exporter.zipkin.json import ZipkinExporter
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    exporter = ZipkinExporter(endpoint=settings.zipkin_endpoint, timeout=5)
    trace.set_tracer_provider(provider(settings.app_id, settings.tracing_sample_ratio, exporter))
    GrpcAioInstrumentorClient().instrument()  # type: ignore[no-untyped-call]
    HTTPXClientInstrumentor().instrument()
    _state["configured"] = True


def shutdown() -> None:
    """Flushes what is buffered (the last spans of a stopping process)."""
    tp = trace.get_tracer_provider()
    if isinstance(tp, TracerProvider):
        tp.force_flush(5000)


def instrument_app(app: Any, tracer_provider: TracerProvider | None = None) -> None:
    """Server spans for every request, named by route template; the incoming traceparent
    (from the sidecar) is their parent. Uses the global provider once it is set. Without
    the ASGI layer's per-message `http send` / `http receive` spans: three of a request's
    four spans, a third of a series round's, and nothing an operator reads them for."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="healthz,metrics",
        exclude_spans=["receive", "send"],
        tracer_provider=tracer_provider,
    )


def instrument_engine(engine: Any, tracer_provider: TracerProvider | None = None) -> None:
    """A span per SQL statement (SQLAlchemy over asyncpg), for every engine a process
    builds (the activities build one per event loop). The instrumentor's own entry point
    instruments once per process and refuses SQLAlchemy 2.1 by its declared range, so its
    engine listener (`EngineTracer`) is attached directly: it works with 2.1 (tested in
    tests/unit/test_tracing.py)."""
    if not _state.get("configured") and tracer_provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    if "db_connections" not in _state:
        _state["db_connections"] = get_meter("phase5.sqlalchemy").create_up_down_counter(
            "db.client.connections.usage", unit="connections"
        )
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", None, tracer_provider)
    EngineTracer(tracer, engine.sync_engine, _state["db_connections"])  # type: ignore[no-untyped-call]


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to store with what outlives the request."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get(TRACEPARENT)


@contextmanager
def span_from(
    name: str, traceparent: str | None, kind: SpanKind = SpanKind.INTERNAL, **attrs: Any
) -> Iterator[trace.Span]:
    """A span that continues the trace `traceparent` names (a new trace without one)."""
    parent = extract({TRACEPARENT: traceparent}) if traceparent else otel_context.Context()
    tracer = trace.get_tracer("phase5")
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attrs) as span:
        yield span
