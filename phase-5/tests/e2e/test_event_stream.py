"""The user's live event stream (GET /api/v1/me/events) on the real stack: API → outbox →
Kafka → todo-api's Dapr subscription → user_events → NOTIFY → the stream."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.sse import EventStream, Message
from tests.support.stack import API, API_METRICS, auth, db_url, eventually, new_user, query

STREAM = f"{API.url}/api/v1/me/events"


def _execute(sql: str, *params: Any) -> None:
    """A statement that returns no rows (`query` fetches rows)."""
    import psycopg

    with psycopg.connect(db_url(), autocommit=True) as conn:
        conn.execute(sql, params)


def _open(user: str, **params: str) -> EventStream:
    stream = EventStream(STREAM, auth(user), **params)
    assert stream.status == 200, stream.body
    return stream


@pytest.fixture
def streams() -> Iterator[list[EventStream]]:
    opened: list[EventStream] = []
    yield opened
    for stream in opened:
        stream.close()


def _ready(stream: EventStream) -> Message:
    first = stream.next()
    assert first.event == "stream.ready", first
    return first


def _one_off(api: httpx.Client, user: str, title: str) -> dict[str, Any]:
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = api.post("/tasks", json={"title": title, "due_at": due}, headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


def _created(task_id: str) -> Callable[[Message], bool]:
    return lambda m: m.event == "v1.task.created" and m.json["task_id"] == task_id


def test_stream_shows_api_changes_and_the_engines_next_instance(
    api: httpx.Client, streams: list[EventStream]
) -> None:
    alice, bob = new_user(), new_user()
    mine = _open(alice)
    streams.append(mine)
    theirs = _open(bob)
    streams.append(theirs)
    _ready(mine)
    _ready(theirs)
    assert mine.retry == 2000  # Settings.event_stream_retry_ms, sent before stream.ready
    assert mine.headers is not None and mine.headers["content-type"].startswith("text/event-stream")

    task = _one_off(api, alice, "buy milk")
    got = mine.until(_created(task["task_id"]))
    assert len(got) == 1, [m.event for m in got]
    data = got[0].json
    assert data["type"] == "v1.task.created" and data["task"]["title"] == "buy milk"
    assert data["task"]["due_at"].endswith("Z") and data["series_id"] is None
    assert data["id"] and data["occurred_at"]

    ends = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    first = api.post(
        "/tasks",
        json={
            "title": "Exercise",
            "recurrence": {"rule": "daily", "timezone": "UTC", "ends_at": ends},
        },
        headers=auth(alice),
    ).json()
    sid = first["series_id"]
    # One transaction wrote both; the outbox publishes rows of one transaction in id order,
    # so either may come first.
    got = [mine.next(), mine.next()]
    assert sorted(m.event for m in got) == ["v1.series.created", "v1.task.created"]
    series_event = next(m.json for m in got if m.event == "v1.series.created")
    assert series_event["series"]["rrule"].startswith("FREQ=DAILY")
    assert series_event["task_id"] == first["task_id"] and series_event["series_id"] == sid

    assert api.post(f"/tasks/{first['task_id']}/complete", headers=auth(alice)).status_code == 200
    done = mine.until(lambda m: m.event == "v1.task.completed")
    assert done[-1].json["task_id"] == first["task_id"]
    assert done[-1].json["task"]["status"] == "completed"
    # The next instance is written by the engine's workflow activity, not by a request.
    nxt = mine.until(lambda m: m.event == "v1.task.created")[-1].json
    assert nxt["series_id"] == sid and nxt["task_id"] != first["task_id"]
    assert nxt["task"]["status"] == "pending"
    pending = api.get("/tasks", params={"series_id": sid, "status": "pending"}, headers=auth(alice))
    assert [t["task_id"] for t in pending.json()["items"]] == [nxt["task_id"]]

    # Bob's stream saw none of it: his first event is his own task.
    own = _one_off(api, bob, "bob's")
    seen = theirs.until(lambda m: m.event.startswith("v1."))
    assert [m.json["task_id"] for m in seen] == [own["task_id"]]


def test_reconnect_with_last_event_id_replays_exactly_what_was_missed(
    api: httpx.Client, streams: list[EventStream]
) -> None:
    user = new_user()
    first_stream = _open(user)
    streams.append(first_stream)
    _ready(first_stream)
    one = _one_off(api, user, "one")
    last = first_stream.until(_created(one["task_id"]))[-1]
    first_stream.close()

    missed = [_one_off(api, user, name)["task_id"] for name in ("two", "three")]
    # Both are in the user's log (the stream's store) before we come back.
    eventually(lambda: query("SELECT count(*) = 3 FROM user_events WHERE user_id = %s", user)[0][0])
    again = EventStream(STREAM, {**auth(user), "Last-Event-ID": str(last.id)})
    streams.append(again)
    replay = again.until(lambda m: m.event == "stream.ready")
    assert [m.json.get("task_id") for m in replay[:-1]] == missed
    assert [int(m.id) for m in replay[:-1]] == [int(last.id) + 1, int(last.id) + 2]
    assert replay[-1].json == {"last_event_id": replay[-2].id, "replayed": 2}
    # Then live, from exactly there: no repeat of what was replayed.
    four = _one_off(api, user, "four")
    assert [m.json["task_id"] for m in again.until(_created(four["task_id"]))] == [four["task_id"]]

    # The query parameter is the same resume point, for clients that cannot set headers.
    by_query = EventStream(STREAM, auth(user), last_event_id=str(last.id))
    streams.append(by_query)
    replay = by_query.until(lambda m: m.event == "stream.ready")
    assert [m.json.get("task_id") for m in replay[:-1]] == [*missed, four["task_id"]]


def test_a_redelivered_event_reaches_the_stream_once(
    api: httpx.Client, streams: list[EventStream]
) -> None:
    user = new_user()
    stream = _open(user)
    streams.append(stream)
    _ready(stream)
    task = _one_off(api, user, "once")
    stream.until(_created(task["task_id"]))
    # The relay's crash window (published, not yet marked): the same row, same CloudEvent
    # id, goes to Kafka again, and todo-api's subscription receives it a second time.
    _execute(
        "UPDATE outbox SET sent_at = NULL WHERE partition_key = %s "
        "AND payload->'data'->'task'->>'task_id' = %s",
        user,
        task["task_id"],
    )
    _execute("NOTIFY outbox")
    eventually(
        lambda: query(
            "SELECT count(*) = 0 FROM outbox WHERE partition_key = %s AND sent_at IS NULL", user
        )[0][0]
    )
    marker = _one_off(api, user, "after the duplicate")
    between = stream.until(_created(marker["task_id"]))
    assert [m.json["task_id"] for m in between] == [marker["task_id"]]
    assert query("SELECT count(*) FROM user_events WHERE user_id = %s", user)[0][0] == 2


def test_ids_that_cannot_be_resumed_get_a_reset(
    api: httpx.Client, streams: list[EventStream]
) -> None:
    user = new_user()
    ids = [_one_off(api, user, f"t{i}")["task_id"] for i in range(3)]
    eventually(lambda: query("SELECT count(*) = 3 FROM user_events WHERE user_id = %s", user)[0][0])
    unknown = EventStream(STREAM, {**auth(user), "Last-Event-ID": "99"})
    streams.append(unknown)
    reset = unknown.next()
    assert reset.event == "stream.reset" and reset.json["reason"] == "unknown"
    assert reset.id == "3" and reset.json["last_event_id"] == "3"

    # Retention pruned the oldest event: resuming from before it cannot be exact.
    _execute("DELETE FROM user_events WHERE user_id = %s AND seq = 1", user)
    expired = EventStream(STREAM, auth(user), last_event_id="0")
    streams.append(expired)
    reset = expired.next()
    assert reset.event == "stream.reset" and reset.json["reason"] == "expired"
    # Resuming from a retained point still works, and the reset stream continues live.
    fine = EventStream(STREAM, {**auth(user), "Last-Event-ID": "1"})
    streams.append(fine)
    replay = fine.until(lambda m: m.event == "stream.ready")
    assert [m.json["task_id"] for m in replay[:-1]] == ids[1:]
    later = _one_off(api, user, "after reset")
    assert expired.until(_created(later["task_id"]))[-1].id == "4"


def test_stream_refusals_are_json_errors(api: httpx.Client, streams: list[EventStream]) -> None:
    r = httpx.get(STREAM, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    user = new_user()
    bad = httpx.get(STREAM, headers={**auth(user), "Last-Event-ID": "abc"}, timeout=10)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "last_event_id"
    both = httpx.get(
        STREAM,
        headers={**auth(user), "Last-Event-ID": "1"},
        params={"last_event_id": "2"},
        timeout=10,
    )
    assert both.status_code == 422
    for _ in range(5):  # Settings.event_stream_max_per_user
        streams.append(_open(user))
    extra = httpx.get(STREAM, headers=auth(user), timeout=10)
    assert extra.status_code == 429 and extra.json()["error"]["code"] == "too_many_requests"
    gauge = [
        float(line.split()[-1])
        for line in httpx.get(API_METRICS, timeout=10).text.splitlines()
        if line.startswith("event_streams_open ")
    ]
    assert gauge and gauge[0] >= 5
    # Closing one frees its slot (the server notices the hang-up).
    streams.pop().close()
    reopened = eventually(lambda: (s := EventStream(STREAM, auth(user))).status == 200 and s)
    streams.append(reopened)


def test_browsers_may_open_the_stream_from_the_web_app(api: httpx.Client) -> None:
    r = httpx.options(
        STREAM,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,last-event-id",
        },
        timeout=10,
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "last-event-id" in allowed


def test_the_subscription_routes_are_not_part_of_the_public_contract(api: httpx.Client) -> None:
    doc = httpx.get(f"{API.url}/openapi.json", timeout=10).json()
    assert not [p for p in doc["paths"] if p.startswith("/dapr")]
    stream = doc["paths"]["/api/v1/me/events"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert {"401", "422", "429"} <= set(stream["responses"])
