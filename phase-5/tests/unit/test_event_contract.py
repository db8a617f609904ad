"""SUMMARIES/events.md against contracts/events.py: every event type, its topic and every
field of its data (required or optional) must agree, so the document cannot drift. Also the
envelope every producer sends, and that the wire format stays what consumers know."""

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from contracts.events import (
    MODELS,
    TOPIC_OF,
    EventType,
    IncomingEvent,
    SeriesData,
    SeriesUpdated,
    TaskData,
    cloud_event,
)

DOC = (Path(__file__).resolve().parents[2] / "SUMMARIES" / "events.md").read_text()


def fields_of(model: type[BaseModel]) -> set[str]:
    """Field names, optional ones (with a default) marked with a trailing '?'."""
    return {name + ("" if info.is_required() else "?") for name, info in model.model_fields.items()}


def documented(cell: str) -> set[str]:
    """Backticked names of a table cell, leaving out parenthesised remarks."""
    return set(re.findall(r"`([a-z_]+\??)`", re.sub(r"\([^)]*\)", "", cell)))


def table() -> dict[str, tuple[str, set[str]]]:
    rows: dict[str, tuple[str, set[str]]] = {}
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`v"):
            rows[cells[0].strip("`")] = (cells[1], documented(cells[4]))
    return rows


def shape(name: str) -> set[str]:
    """The `task = ...` / `series = ...` paragraph: up to the next sentence ending."""
    match = re.search(rf"`{name}` = (.*?)\.\n", DOC, re.S)
    assert match, f"events.md lacks the {name} shape"
    return documented(match.group(1))


def test_every_event_type_is_documented_once_with_its_topic() -> None:
    rows = table()
    assert set(rows) == {str(t) for t in EventType}
    assert {t: rows[t][0] for t in rows} == {str(t): str(TOPIC_OF[t]) for t in EventType}


def test_every_documented_data_field_matches_the_model() -> None:
    rows = table()
    for event_type, model in MODELS.items():
        assert rows[event_type][1] == fields_of(model), event_type


def test_task_and_series_shapes_match_the_models() -> None:
    assert shape("task") == fields_of(TaskData)
    assert shape("series") == fields_of(SeriesData)


def test_the_envelope_is_a_cloudevent_that_consumers_parse_back() -> None:
    series = SeriesData(
        series_id=uuid.uuid4(),
        title="Rent",
        status="active",
        rrule="FREQ=MONTHLY",
        timezone="Europe/Paris",
        mode="fixed",
        ends_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    sent = cloud_event(
        SeriesUpdated(user_id="u1", series=series, changes=["ends_at"]), source="todo-api"
    )
    assert set(sent) == {"specversion", "id", "type", "source", "time", "datacontenttype", "data"}
    assert sent["type"] == "v1.series.updated" and sent["specversion"] == "1.0"
    # Times keep the isoformat() text the producers always wrote ("+00:00", not "Z").
    assert sent["data"]["series"]["ends_at"] == "2027-01-01T00:00:00+00:00"
    assert sent["data"]["changes"] == ["ends_at"]
    back = IncomingEvent.model_validate(sent).payload()
    assert isinstance(back, SeriesUpdated) and back.series == series
