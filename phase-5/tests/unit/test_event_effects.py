"""Which incoming events the engine acts on (engine/reactions.py `has_effect`): the rest
are acknowledged without touching the database. Payloads are the contract's models, so an
event that breaks its type's model is a poison message before any effect."""

from typing import Any

import pytest

from contracts.events import EventType, IncomingEvent, PoisonMessage
from engine.reactions import has_effect

TASK = {
    "task_id": "5d0c3f4e-8a4b-4d7e-9a51-0c1f1f0e2a11",
    "series_id": None,
    "title": "t",
    "priority": "medium",
    "status": "pending",
}
SERIES = {
    "series_id": "0b7c9e52-58a4-4e51-9f3a-6d2f0a8e1c22",
    "title": "s",
    "status": "active",
    "rrule": "FREQ=DAILY",
    "timezone": "UTC",
    "mode": "fixed",
}
VALID: dict[str, dict[str, Any]] = {
    EventType.TASK_UPDATED: {"task": TASK, "changes": ["title"]},
    EventType.TASK_COMPLETED: {"task": TASK},
    EventType.TASK_DELETED: {"task": TASK},
    EventType.SERIES_CREATED: {"series": SERIES, "first_task_id": TASK["task_id"]},
    EventType.SERIES_UPDATED: {"series": SERIES, "changes": ["paused"]},
    EventType.SERIES_DELETED: {"series": SERIES},
}


def event(kind: str, **data: Any) -> IncomingEvent:
    return IncomingEvent(id="e1", type=kind, data={"user_id": "u1", **data})


def effect(e: IncomingEvent) -> bool:
    return has_effect(e, e.payload())


def test_an_instance_created_without_reminders_needs_nothing() -> None:
    assert not effect(event(EventType.TASK_CREATED, task=TASK, reminders=0))


def test_an_instance_created_with_reminders_is_acted_on() -> None:
    assert effect(event(EventType.TASK_CREATED, task=TASK, reminders=2))


@pytest.mark.parametrize("kind", sorted(VALID))
def test_every_task_and_series_change_is_acted_on(kind: str) -> None:
    assert effect(event(kind, **VALID[kind]))


@pytest.mark.parametrize("kind", sorted(VALID))
def test_an_event_missing_what_its_type_requires_is_poison(kind: str) -> None:
    with pytest.raises(PoisonMessage):
        event(kind).payload()


def test_an_event_type_the_engine_ignores_needs_nothing_unless_it_cancels_jobs() -> None:
    assert not effect(event("v9.something.new"))
    assert effect(event("v9.something.new", cancelled_jobs=["reminder-t-1h"]))


def test_unknown_fields_are_ignored() -> None:
    e = event(EventType.SERIES_DELETED, series={**SERIES, "colour": "red"}, extra=1)
    assert effect(e)
