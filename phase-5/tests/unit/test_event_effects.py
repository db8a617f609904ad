"""Which incoming events the engine acts on (workflows/reactions.py `has_effect`): the rest
are acknowledged without touching the database."""

from typing import Any

import pytest

from contracts.events import EventType, IncomingEvent
from engine.reactions import has_effect


def event(kind: str, **data: Any) -> IncomingEvent:
    return IncomingEvent(id="e1", type=kind, data={"user_id": "u1", **data})


def test_an_instance_created_without_reminders_needs_nothing() -> None:
    assert not has_effect(event(EventType.TASK_CREATED, task={"task_id": "t"}, reminders=0))


@pytest.mark.parametrize("reminders", [1, 2, None])
def test_an_instance_with_reminders_or_an_unknown_count_is_acted_on(reminders: Any) -> None:
    data = {"task": {"task_id": "t"}}
    if reminders is not None:
        data["reminders"] = reminders
    assert has_effect(event(EventType.TASK_CREATED, **data))


@pytest.mark.parametrize(
    "kind",
    [
        EventType.SERIES_CREATED,
        EventType.TASK_UPDATED,
        EventType.TASK_COMPLETED,
        EventType.TASK_DELETED,
        EventType.SERIES_UPDATED,
        EventType.SERIES_DELETED,
    ],
)
def test_every_task_and_series_change_is_acted_on(kind: EventType) -> None:
    assert has_effect(event(kind))


def test_an_event_type_the_engine_ignores_needs_nothing_unless_it_cancels_jobs() -> None:
    assert not has_effect(event(EventType.REMINDER_DUE))
    assert not has_effect(event("v9.something.new"))
    assert has_effect(event("v9.something.new", cancelled_jobs=["reminder-t-1h"]))
