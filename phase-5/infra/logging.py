"""Structured JSON logs. Context (trace_id, user_id, series_id, event_id) rides on contextvars
so every line written while handling a request or an event carries it."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

CONTEXT_FIELDS = ("trace_id", "span_id", "user_id", "series_id", "event_id", "task_id")
_context: ContextVar[dict[str, str]] = ContextVar("log_context", default={})  # noqa: B039


def bind(**fields: str | None) -> None:
    """Adds fields to the log context of the current task/request."""
    current = dict(_context.get())
    current.update({k: str(v) for k, v in fields.items() if v is not None})
    _context.set(current)


def clear() -> None:
    _context.set({})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context.get())
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # a log line leads to its trace (Zipkin: /zipkin/traces/<trace_id>)
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str, service: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party chatter at INFO drowns the events we care about.
    for noisy in (
        "uvicorn.access",
        "httpx",
        "httpcore",
        "durabletask",
        "durabletask-worker",
        "durabletask-client",
        "WorkflowRuntime",
        "DaprWorkflowClient",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger(service).info("logging configured", extra={"fields": {"service": service}})
