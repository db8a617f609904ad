"""The W3C trace context of the current span, stored with rows that outlive a request
(outbox events, reminders, deliveries) so whoever acts on them later continues the same
trace. Reads the OpenTelemetry API only: with no SDK configured it is None."""

from opentelemetry.propagate import inject

TRACEPARENT = "traceparent"


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get(TRACEPARENT)
