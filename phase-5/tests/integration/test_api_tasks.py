"""todo-api on the real stack: endpoints, errors, isolation, events, idempotency."""

import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import psycopg
import pytest

from tests.support.events import UserEvents
from tests.support.stack import API, API_METRICS, auth, db_url, new_user, query, secrets, token


def _error(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]  # type: ignore[no-any-return]


# --- authentication -----------------------------------------------------------------


def _raw_token(claims: dict[str, object], key: str | None = None, alg: str = "HS256") -> str:
    return jwt.encode(claims, key or secrets()["better-auth-secret"], algorithm=alg)


@pytest.mark.parametrize(
    "make",
    [
        lambda now: None,
        lambda now: _raw_token({"sub": "u", "iat": now - 7200, "exp": now - 3600}),
        lambda now: _raw_token(
            {"sub": "u", "iat": now, "exp": now + 600}, key="wrong-key-0123456789abcdef0123456789"
        ),
        lambda now: _raw_token({"sub": "u", "iat": now, "exp": now + 7200}),
        lambda now: _raw_token({"sub": "u", "iat": now}),
        lambda now: jwt.encode({"sub": "u", "iat": now, "exp": now + 60}, None, algorithm="none"),
        lambda now: "x" * 5000,
    ],
    ids=[
        "missing",
        "expired",
        "wrong-signature",
        "over-one-hour",
        "no-exp",
        "alg-none",
        "too-long",
    ],
)
def test_bad_tokens_get_401(api: httpx.Client, make) -> None:  # type: ignore[no-untyped-def]
    tok = make(int(time.time()))
    headers = {} if tok is None else {"Authorization": f"Bearer {tok}"}
    err = _error(api.get("/tasks", headers=headers), 401)
    assert err["code"] == "unauthorized"


def test_one_hour_token_is_accepted(api: httpx.Client) -> None:
    assert (
        api.get("/tasks", headers={"Authorization": f"Bearer {token(new_user())}"}).status_code
        == 200
    )


# --- tasks ----------------------------------------------------------------------------


def test_create_get_and_isolation_between_users(api: httpx.Client) -> None:
    alice, mallory = new_user(), new_user()
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    r = api.post(
        "/tasks",
        json={
            "title": "Pay rent",
            "due_at": due.isoformat(),
            "priority": "high",
            "reminders": ["1d", "1h"],
        },
        headers=auth(alice),
    )
    assert r.status_code == 201, r.text
    task = r.json()
    assert (
        task["title"] == "Pay rent" and task["priority"] == "high" and task["status"] == "pending"
    )
    assert datetime.fromisoformat(task["due_at"]) == due
    assert task.pop("series") is None
    assert api.get(f"/tasks/{task['task_id']}", headers=auth(alice)).json() == task
    reminders = query(
        'SELECT "offset", scheduled_time FROM reminders WHERE task_id = %s ORDER BY 2',
        task["task_id"],
    )
    assert reminders == [("1d", due - timedelta(days=1)), ("1h", due - timedelta(hours=1))]

    tid = task["task_id"]
    for r in (
        api.get(f"/tasks/{tid}", headers=auth(mallory)),
        api.patch(f"/tasks/{tid}", json={"title": "mine"}, headers=auth(mallory)),
        api.post(f"/tasks/{tid}/complete", headers=auth(mallory)),
        api.delete(f"/tasks/{tid}", headers=auth(mallory)),
    ):
        assert _error(r, 404)["code"] == "not_found"
    assert api.get("/tasks", headers=auth(mallory)).json()["items"] == []
    assert api.get(f"/tasks/{tid}", headers=auth(alice)).json()["title"] == "Pay rent"


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"title": ""}, "title", None),
        ({"title": "   "}, "title", "blank"),
        ({"title": "x", "due_at": "2026-12-01T09:00:00"}, "due_at", "offset"),
        ({"title": "x", "reminders": ["yesterday"]}, "reminders", "offset"),
        ({"title": "x", "colour": "red"}, "colour", None),
        (
            {"title": "x", "recurrence": {"rule": "whenever I feel like it", "timezone": "UTC"}},
            "recurrence.rule",
            "RRULE",
        ),
        (
            {"title": "x", "recurrence": {"rule": "daily", "timezone": "Mars/Olympus"}},
            "recurrence.timezone",
            None,
        ),
        (
            {
                "title": "x",
                "recurrence": {
                    "rule": "daily",
                    "timezone": "UTC",
                    "ends_at": "2001-01-01T00:00:00Z",
                },
            },
            "recurrence.ends_at",
            "End date must be in the future",
        ),
        (
            {"title": "x", "recurrence": {"rule": "FREQ=HOURLY", "timezone": "UTC"}},
            "recurrence.rule",
            None,
        ),
        (
            {
                "title": "x",
                "recurrence": {"rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "timezone": "UTC"},
            },
            "recurrence.rule",
            None,
        ),
    ],
)
def test_bad_input_is_422_naming_the_field(
    api: httpx.Client, body: dict[str, object], field: str, text: str | None
) -> None:
    err = _error(api.post("/tasks", json=body, headers=auth(new_user())), 422)
    assert err["details"]["field"] == field, err  # type: ignore[index]
    if text:
        assert text in str(err["message"]), err


def test_listing_pages_are_stable_and_linked(api: httpx.Client) -> None:
    user = new_user()
    base = datetime(2030, 1, 1, tzinfo=UTC)
    made = []
    for i in range(7):
        r = api.post(
            "/tasks",
            json={"title": f"t{i}", "due_at": (base + timedelta(days=6 - i)).isoformat()},
            headers=auth(user),
        )
        made.append(r.json()["task_id"])
    seen: list[str] = []
    url: str | None = "/api/v1/tasks?page_size=3&status=pending"
    pages = 0
    while url:
        assert url.startswith("/api/v1/tasks?"), "next is relative: right behind any proxy"
        page = httpx.get(f"{API.url}{url}", headers=auth(user), timeout=10).json()
        seen.extend(t["task_id"] for t in page["items"])
        url, pages = page["next"], pages + 1
    assert pages == 3
    assert seen == list(reversed(made)), "ordered by due date, each task exactly once"
    ranged = api.get(
        "/tasks",
        params={
            "due_after": (base + timedelta(days=2)).isoformat(),
            "due_before": (base + timedelta(days=4)).isoformat(),
        },
        headers=auth(user),
    ).json()["items"]
    assert [t["title"] for t in ranged] == ["t4", "t3"]
    assert _error(api.get("/tasks", params={"page_size": 51}, headers=auth(user)), 422)


def test_every_write_emits_exactly_one_event(api: httpx.Client) -> None:
    user = new_user()
    events = UserEvents(user)
    try:
        tid = api.post("/tasks", json={"title": "one"}, headers=auth(user)).json()["task_id"]
        assert (
            api.patch(f"/tasks/{tid}", json={"title": "two"}, headers=auth(user)).status_code == 200
        )
        assert api.post(f"/tasks/{tid}/complete", headers=auth(user)).status_code == 200
        again = api.post(f"/tasks/{tid}/complete", headers=auth(user))
        assert again.status_code == 200 and again.json()["status"] == "completed"
        other = api.post("/tasks", json={"title": "three"}, headers=auth(user)).json()["task_id"]
        assert api.delete(f"/tasks/{other}", headers=auth(user)).status_code == 204
        got = events.collect(expected=5)
    finally:
        events.close()
    kinds = Counter((topic, e["type"]) for topic, e in got)
    assert kinds == Counter(
        {
            ("task-operations", "v1.task.created"): 2,
            ("task-modifications", "v1.task.updated"): 1,
            ("task-operations", "v1.task.completed"): 1,
            ("task-operations", "v1.task.deleted"): 1,
        }
    )
    assert len({e["id"] for _, e in got}) == 5
    updated = next(e for _, e in got if e["type"] == "v1.task.updated")
    assert updated["data"]["changes"] == ["title"] and updated["data"]["task"]["title"] == "two"


def test_idempotency_key_replays_the_first_response(api: httpx.Client) -> None:
    user = new_user()
    key = str(uuid.uuid4())
    headers = {**auth(user), "Idempotency-Key": key}
    first = api.post("/tasks", json={"title": "once"}, headers=headers)
    second = api.post("/tasks", json={"title": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert query("SELECT count(*) FROM tasks WHERE user_id = %s", user) == [(1,)]
    assert query("SELECT count(*) FROM outbox WHERE partition_key = %s", user) == [(1,)]
    err = _error(api.post("/tasks", json={"title": "different"}, headers=headers), 422)
    assert err["details"]["field"] == "Idempotency-Key"  # type: ignore[index]


def test_recurring_task_returns_series_and_next_occurrences(api: httpx.Client) -> None:
    user = new_user()
    body = {
        "title": "Standup",
        "recurrence": {
            "rule": "every Monday, Wednesday and Friday at 10 AM",
            "timezone": "America/New_York",
            "count": 20,
        },
    }
    r = api.post("/tasks", json=body, headers=auth(user))
    assert r.status_code == 201, r.text
    created = r.json()
    series = created["series"]
    assert series["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=10;BYMINUTE=0"
    assert series["rule_description"].startswith("Every Monday, Wednesday and Friday at 10:00")
    assert len(series["next_occurrences"]) == 5
    for moment in [created["due_at"], *series["next_occurrences"]]:
        local = datetime.fromisoformat(moment).astimezone(
            __import__("zoneinfo").ZoneInfo("America/New_York")
        )
        assert (local.hour, local.minute, local.strftime("%a")) in {
            (10, 0, d) for d in ("Mon", "Wed", "Fri")
        }
    got = api.get(f"/series/{series['series_id']}", headers=auth(user)).json()
    assert got["status"] == "active" and got["next_occurrences"] == series["next_occurrences"]
    assert _error(api.get(f"/series/{series['series_id']}", headers=auth(new_user())), 404)


def test_deleting_a_series_needs_confirmation(api: httpx.Client) -> None:
    user = new_user()
    r = api.post(
        "/tasks",
        json={"title": "Water plants", "recurrence": {"rule": "daily", "timezone": "UTC"}},
        headers=auth(user),
    )
    tid, sid = r.json()["task_id"], r.json()["series_id"]
    err = _error(api.delete(f"/tasks/{tid}", params={"scope": "all"}, headers=auth(user)), 409)
    assert "confirm=true" in str(err["message"])
    assert (
        api.delete(
            f"/tasks/{tid}", params={"scope": "all", "confirm": "true"}, headers=auth(user)
        ).status_code
        == 204
    )
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "deleted"
    assert _error(api.get(f"/tasks/{tid}", headers=auth(user)), 404)


def test_preview_follows_dtstart_semantics(api: httpx.Client) -> None:
    user = new_user()
    r = api.post(
        "/recurrence/preview",
        json={
            "rule": "monthly on the last Friday",
            "timezone": "Europe/London",
            "start": "2026-01-30T09:00:00",
            "count": 3,
        },
        headers=auth(user),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rrule"].startswith("FREQ=MONTHLY;BYDAY=-1FR")
    assert body["occurrences"] == [
        "2026-01-30T09:00:00Z",
        "2026-02-27T09:00:00Z",
        "2026-03-27T09:00:00Z",
    ]
    past = api.post(
        "/recurrence/preview",
        json={"rule": "FREQ=YEARLY", "timezone": "UTC", "start": "1999-06-01T08:00:00"},
        headers=auth(user),
    )
    assert past.json()["occurrences"][0] == "1999-06-01T08:00:00Z"
    assert body["ended"] is False and past.json()["ended"] is False
    ended = api.post(
        "/recurrence/preview",
        json={"rule": "FREQ=DAILY;COUNT=2", "timezone": "UTC", "start": "2001-03-04T08:00:00"},
        headers=auth(user),
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended"] is True
    assert ended.json()["occurrences"] == ["2001-03-04T08:00:00Z", "2001-03-05T08:00:00Z"]
    refused = _error(
        api.post(
            "/tasks",
            json={
                "title": "old",
                "recurrence": {
                    "rule": "daily",
                    "timezone": "UTC",
                    "start": "2001-03-04T08:00:00",
                    "ends_at": "2001-03-10T00:00:00Z",
                },
            },
            headers=auth(user),
        ),
        422,
    )
    assert refused["message"] == "End date must be in the future"
    assert _error(
        api.post(
            "/recurrence/preview",
            json={"rule": "daily", "timezone": "UTC", "count": 101},
            headers=auth(user),
        ),
        422,
    )
    bad = _error(
        api.post(
            "/recurrence/preview", json={"rule": "sometimes", "timezone": "UTC"}, headers=auth(user)
        ),
        422,
    )
    assert "RRULE" in str(bad["message"])


def test_health_readiness_and_metrics(api: httpx.Client) -> None:
    assert httpx.get(f"{API.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{API.url}/readyz").json() == {"status": "ready"}
    api.get("/tasks", headers=auth(new_user()))
    # Metrics have their own listener; the public port has no /metrics.
    assert httpx.get(f"{API.url}/metrics").status_code == 404
    text = httpx.get(API_METRICS).text
    assert 'http_requests_total{method="GET",route="/api/v1/tasks",status="200"}' in text
    assert "outbox_backlog" in text and "outbox_oldest_age_seconds" in text
    assert "events_published_total" in text


def test_a_write_is_committed_before_its_answer_arrives(api: httpx.Client) -> None:
    """Read-your-writes: the moment a 2xx arrives the change is in the database (FastAPI
    runs a request-scoped dependency's exit only after sending the response)."""
    user = new_user()
    unseen: list[str] = []
    with psycopg.connect(db_url(), autocommit=True) as conn:
        for i in range(40):
            r = api.post("/tasks", json={"title": f"rw {i}"}, headers=auth(user))
            assert r.status_code == 201, r.text
            task_id = r.json()["task_id"]
            if not conn.execute("SELECT 1 FROM tasks WHERE task_id = %s", (task_id,)).fetchone():
                unseen.append(f"created {task_id}")
            done = api.post(f"/tasks/{task_id}/complete", headers=auth(user))
            assert done.status_code == 200, done.text
            status = conn.execute("SELECT status FROM tasks WHERE task_id = %s", (task_id,))
            if status.fetchone() != ("completed",):
                unseen.append(f"completed {task_id}")
    assert unseen == [], f"{len(unseen)} of 80 answers arrived before their commit"
