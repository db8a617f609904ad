"""The stream's pure parts: resume points, when a resume must reset, what each event type
looks like on the stream, and the sidecar-only guard of the intake routes."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.requests import Request

from api.errors import Invalid
from api.event_intake import _from_sidecar
from api.event_stream import occurred_at, reset_for, resume_point, stream_event
from contracts.events import EventType, IncomingEvent, cloud_event

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TASK = {
    "task_id": str(uuid.uuid4()),
    "series_id": str(uuid.uuid4()),
    "title": "Exercise",
    "priority": "medium",
    "due_date": "2026-11-30T09:00:00+00:00",
    "occurrence_at": "2026-11-30T09:00:00+00:00",
    "status": "pending",
    "is_recurring": True,
}
SERIES = {
    "series_id": TASK["series_id"],
    "title": "Exercise",
    "status": "active",
    "rrule": "FREQ=DAILY",
    "timezone": "Europe/Paris",
    "mode": "fixed",
}


def _incoming(kind: EventType, **data: Any) -> IncomingEvent:
    from contracts.events import MODELS

    model = MODELS[kind].model_validate({"user_id": "alice", **data})
    return IncomingEvent.model_validate(cloud_event(model, source="test"))


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [(None, None, None), ("", None, None), ("7", None, 7), (None, " 12 ", 12), ("5", "5", 5)],
)
def test_resume_point_reads_either_form(
    header: str | None, query: str | None, expected: int | None
) -> None:
    assert resume_point(header, query) == expected


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "9" * 20, str(2**63)])
def test_a_resume_point_that_is_not_an_id_is_a_422(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        resume_point(raw, None)
    assert caught.value.details["field"] == "last_event_id"


def test_two_different_resume_points_are_refused() -> None:
    with pytest.raises(Invalid):
        resume_point("3", "4")


def test_reset_only_when_some_later_event_is_gone_or_the_id_is_from_elsewhere() -> None:
    assert reset_for(after=5, head=5, first_retained=None) is None  # nothing missed
    assert reset_for(after=5, head=9, first_retained=6) is None  # 6..9 all kept
    assert reset_for(after=0, head=0, first_retained=None) is None  # new user
    expired = reset_for(after=2, head=9, first_retained=5)  # 3 and 4 pruned
    assert expired is not None and expired.reason == "expired" and expired.last_event_id == "9"
    gone = reset_for(after=2, head=9, first_retained=None)  # everything pruned
    assert gone is not None and gone.reason == "expired"
    unknown = reset_for(after=12, head=9, first_retained=None)
    assert unknown is not None and unknown.reason == "unknown"


def test_task_event_carries_the_task_in_the_apis_names() -> None:
    event = _incoming(EventType.TASK_COMPLETED, task={**TASK, "status": "completed"})
    view = stream_event(event, event.payload(), NOW)  # type: ignore[arg-type]
    assert view is not None
    out = view.model_dump(mode="json")
    assert out["type"] == "v1.task.completed" and out["id"] == event.id
    assert out["task_id"] == TASK["task_id"] and out["series_id"] == TASK["series_id"]
    assert out["task"]["due_at"] == "2026-11-30T09:00:00Z"  # due_date on the wire, due_at here
    assert "due_date" not in out["task"] and out["occurred_at"] == "2026-11-29T12:00:00Z"
    assert out["series"] is None and out["changes"] is None


def test_series_events_name_their_first_task_and_changes() -> None:
    first = uuid.uuid4()
    created = _incoming(EventType.SERIES_CREATED, series=SERIES, first_task_id=str(first))
    view = stream_event(created, created.payload(), NOW)  # type: ignore[arg-type]
    assert view is not None and view.task_id == first
    assert view.series is not None and view.series.rrule == "FREQ=DAILY"
    updated = _incoming(EventType.SERIES_UPDATED, series=SERIES, changes=["paused"])
    view = stream_event(updated, updated.payload(), NOW)  # type: ignore[arg-type]
    assert view is not None and view.changes == ["paused"] and view.task_id is None


def test_reminders_are_not_streamed() -> None:
    event = _incoming(
        EventType.REMINDER_DUE,
        reminder_id=str(uuid.uuid4()),
        task_id=TASK["task_id"],
        title="x",
        due_at=NOW.isoformat(),
        scheduled_time=NOW.isoformat(),
        offset="1h",
    )
    assert stream_event(event, event.payload(), NOW) is None  # type: ignore[arg-type]


def test_occurred_at_reads_the_cloudevent_time_or_falls_back() -> None:
    fallback = NOW - timedelta(hours=1)
    assert occurred_at("2026-11-29T13:00:00+01:00", fallback) == NOW
    assert occurred_at("2026-11-29T12:00:00Z", fallback) == NOW
    assert occurred_at("yesterday", fallback) == fallback
    assert occurred_at("2026-11-29T12:00:00", fallback) == fallback  # no offset: unknown zone
    assert occurred_at(None, fallback) == fallback


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("10.244.0.7", False), ("testclient", False)],
)
def test_only_the_pods_loopback_may_deliver_events(host: str, allowed: bool) -> None:
    request = Request({"type": "http", "client": (host, 50000), "headers": []})
    assert _from_sidecar(request) is allowed
