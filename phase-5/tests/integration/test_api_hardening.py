"""Issue 11, "server errors and unsafe behaviour": each case here used to answer 500, reach an
internal address, or accept what it should refuse."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.test_notifications import deliveries, insert_task, reminder_now, settled
from tests.support.push import PushSink
from tests.support.stack import API, auth, eventually, new_user, query, secrets


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def push(stack: str) -> Iterator[PushSink]:
    sink = PushSink(secrets()["vapid-public-key"])
    sink.start()
    yield sink
    sink.stop()


# -- SSRF -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://169.254.169.254/latest/meta-data/iam",
        "https://localhost:18932/",
        "https://[::1]:5433/",
        "https://10.0.0.1/push",
        "http://127.0.0.2:8000/internal/admin",
        "https://127.1/x",
        "https://[::ffff:169.254.169.254]/x",
        "https://metadata.google.internal/x",
    ],
)
def test_internal_push_endpoints_are_refused_at_registration(
    api: httpx.Client, push: PushSink, endpoint: str
) -> None:
    sub = push.new_subscription().as_json()
    sub["endpoint"] = endpoint
    err = _error(api.put("/me/notifications", json={"push": sub}, headers=auth(new_user())), 422)
    assert err["details"]["field"] == "push.endpoint"


def test_a_stored_internal_endpoint_is_refused_at_send_time(
    api: httpx.Client, push: PushSink
) -> None:
    """A row that slipped in (written before the rule, or a name that resolved elsewhere
    then) is checked again when sending: `localhost` is not the named test host 127.0.0.1,
    so nothing reaches the listener behind it."""
    user = new_user()
    sub = push.new_subscription()
    r = api.put("/me/notifications", json={"push": sub.as_json()}, headers=auth(user))
    assert r.status_code == 200, r.text
    sneaky = sub.endpoint.replace("127.0.0.1", "localhost")
    query(
        "UPDATE push_subscriptions SET endpoint = %s WHERE user_id = %s RETURNING 1", sneaky, user
    )
    task_id = insert_task(user, "Check the boiler")
    rid = reminder_now(user, task_id, "Check the boiler")
    eventually(lambda: settled(rid, ("push",)), timeout=60)
    push_row = deliveries(rid)["push"]
    assert push_row["status"] == "failed", push_row
    assert "refused push endpoint" in str(push_row["last_error"])
    assert push.requests(sub.endpoint) == [], "the listener behind localhost was reached"


# -- dates ------------------------------------------------------------------------------------
EXTREME = ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"]


@pytest.mark.parametrize("due", EXTREME)
def test_extreme_due_dates_are_422_on_post_patch_and_filters(api: httpx.Client, due: str) -> None:
    user = new_user()
    for body in ({"title": "x", "due_at": due}, {"title": "x", "due_at": due, "reminders": ["1w"]}):
        err = _error(api.post("/tasks", json=body, headers=auth(user)), 422)
        assert err["details"]["field"] == "due_at"
    tid = api.post("/tasks", json={"title": "x"}, headers=auth(user)).json()["task_id"]
    _error(api.patch(f"/tasks/{tid}", json={"due_at": due}, headers=auth(user)), 422)
    for name in ("due_before", "due_after"):
        err = _error(api.get("/tasks", params={name: due}, headers=auth(user)), 422)
        assert err["details"]["field"] == name
    rec = {"title": "x", "recurrence": {"rule": "daily", "timezone": "UTC", "ends_at": due}}
    _error(api.post("/tasks", json=rec, headers=auth(user)), 422)


def test_every_timestamp_is_utc_with_z(api: httpx.Client) -> None:
    user = new_user()
    r = api.post(
        "/tasks",
        json={"title": "x", "due_at": "2031-03-01T09:00:00+05:30", "reminders": ["1h"]},
        headers=auth(user),
    )
    task = r.json()
    assert task["due_at"] == "2031-03-01T03:30:00Z"
    for name in ("created_at", "updated_at"):
        assert task[name].endswith("Z"), task[name]
    series = api.post(
        "/tasks",
        json={"title": "y", "recurrence": {"rule": "daily at 9", "timezone": "Asia/Tokyo"}},
        headers=auth(user),
    ).json()["series"]
    assert all(o.endswith("Z") for o in series["next_occurrences"])
    assert not series["start_local"].endswith("Z")  # documented local wall time


# -- resource limits --------------------------------------------------------------------------
def test_a_20_mb_body_is_413(api: httpx.Client) -> None:
    body = b'{"title": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    r = api.post(
        "/tasks", content=body, headers={**auth(new_user()), "Content-Type": "application/json"}
    )
    assert _error(r, 413)["code"] == "payload_too_large"


def test_many_unknown_keys_give_a_small_422(api: httpx.Client) -> None:
    body = {"title": "x", **{f"k{i}": 1 for i in range(15_000)}}
    r = api.post("/tasks", json=body, headers=auth(new_user()))
    err = _error(r, 422)
    assert len(err["details"]["errors"]) == 10 and err["details"]["errors_omitted"] == 14_990
    assert len(r.content) < 4000


def test_a_series_that_would_flood_pending_instances_is_refused(api: httpx.Client) -> None:
    r = api.post(
        "/tasks",
        json={
            "title": "Drink water",
            "recurrence": {
                "rule": FOUR_AN_HOUR,
                "timezone": "UTC",
                "lead_time_minutes": 30 * 1440,
            },
        },
        headers=auth(new_user()),
    )
    err = _error(r, 422)
    assert err["details"]["field"] == "recurrence" and "at most 100" in err["message"]
    # The same rule with the default lead time is fine; stretching the lead time later is not.
    user = new_user()
    created = api.post(
        "/tasks",
        json={"title": "Drink water", "recurrence": {"rule": FOUR_AN_HOUR, "timezone": "UTC"}},
        headers=auth(user),
    )
    assert created.status_code == 201, created.text
    sid = created.json()["series_id"]
    longer = api.patch(f"/series/{sid}", json={"lead_time_minutes": 30 * 1440}, headers=auth(user))
    assert "at most 100" in _error(longer, 422)["message"]
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["lead_time_minutes"] == 15


def test_a_user_has_at_most_5000_pending_tasks(api: httpx.Client) -> None:
    """The per-user cap (MAX_PENDING_PER_USER, 5000): 4999 pending rows written directly,
    the 5000th task is accepted, the next one and a new series are a clear 422."""
    user = new_user()
    inserted = query(
        "WITH bulk AS (INSERT INTO tasks (task_id, user_id, title, priority, status, "
        "is_exception, is_recurring) SELECT gen_random_uuid(), %s, 'bulk', 'medium', 'pending', "
        "false, false FROM generate_series(1, 4999) RETURNING 1) SELECT count(*) FROM bulk",
        user,
    )
    assert inserted == [(4999,)]
    assert api.post("/tasks", json={"title": "last"}, headers=auth(user)).status_code == 201
    err = _error(api.post("/tasks", json={"title": "one too many"}, headers=auth(user)), 422)
    assert "You have 5000 pending tasks; at most 5000" in err["message"]
    series = {"title": "s", "recurrence": {"rule": "daily", "timezone": "UTC"}}
    assert (
        "at most 5000"
        in _error(api.post("/tasks", json=series, headers=auth(user)), 422)["message"]
    )
    assert query("SELECT count(*) FROM tasks WHERE user_id = %s", user) == [(5000,)]


FOUR_AN_HOUR = (
    "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;"
    "BYMINUTE=0,15,30,45"
)


# -- small things -----------------------------------------------------------------------------
def test_confirm_accepts_only_true(api: httpx.Client) -> None:
    user = new_user()
    r = api.post(
        "/tasks",
        json={"title": "Standup", "recurrence": {"rule": "daily", "timezone": "UTC"}},
        headers=auth(user),
    )
    tid, sid = r.json()["task_id"], r.json()["series_id"]
    for value in ("yes", "1", "True", "on"):
        _error(
            api.delete(
                f"/tasks/{tid}", params={"scope": "all", "confirm": value}, headers=auth(user)
            ),
            422,
        )
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "active"


def test_unknown_query_parameters_are_422(api: httpx.Client) -> None:
    err = _error(api.get("/tasks", params={"stauts": "pending"}, headers=auth(new_user())), 422)
    assert err["details"]["field"] == "stauts"


def test_readable_errors_for_broken_bodies(api: httpx.Client) -> None:
    user = new_user()
    headers = {**auth(user), "Content-Type": "application/json"}
    truncated = _error(api.post("/tasks", content=b'{"title": "x", "due', headers=headers), 422)
    assert truncated["details"]["field"] == "body" and "JSON" in truncated["message"]
    plain = api.post(
        "/tasks", content=b"title=x", headers={**auth(user), "Content-Type": "text/plain"}
    )
    assert _error(plain, 415)["code"] == "unsupported_media_type"
    blank = _error(api.post("/tasks", json={"title": "  "}, headers=auth(user)), 422)
    assert "Value error" not in blank["message"]
    assert blank["details"]["errors"] and blank["details"]["field"] == "title"
    conflict = _error(
        api.post("/tasks", json={"title": "x", "reminders": ["1h"]}, headers=auth(user)), 422
    )
    assert conflict["details"]["field"] == "reminders" and "due date" in conflict["message"]
    assert "errors" in conflict["details"], "every 422 lists its errors"


def test_cors_preflight_from_the_web_app(stack: str) -> None:
    r = httpx.options(
        f"{API.url}/api/v1/tasks",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "PATCH" in r.headers["access-control-allow-methods"]


def test_docs_load_no_third_party_script(stack: str) -> None:
    page = httpx.get(f"{API.url}/docs")
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text
    assert httpx.get(f"{API.url}/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_created_task_has_location_and_fr002_fields(api: httpx.Client) -> None:
    user = new_user()
    r = api.post(
        "/tasks",
        json={
            "title": "Pay rent",
            "reminders": ["1d"],
            "recurrence": {
                "rule": "monthly on the 1st",
                "timezone": "Europe/Berlin",
                "ends_at": "2030-12-31T00:00:00Z",
            },
        },
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    task = r.json()
    assert r.headers["location"] == f"/api/v1/tasks/{task['task_id']}"
    assert task["is_recurring"] is True and task["series_id"] == task["series"]["series_id"]
    assert task["recurrence_pattern"] == task["series"]["rrule"]
    assert task["recurrence_end_date"] == "2030-12-31T00:00:00Z"
    assert task["reminders"] == ["1d"]
    assert task["upcoming_occurrence"] == task["series"]["upcoming_occurrence"]
    assert task["upcoming_occurrence"] == task["series"]["next_occurrences"][0]
    assert datetime.fromisoformat(task["upcoming_occurrence"]) > datetime.fromisoformat(
        task["due_at"]
    )


def test_pages_have_total_relative_next_and_sort(api: httpx.Client) -> None:
    user = new_user()
    base = datetime(2031, 1, 1, tzinfo=UTC)
    for i in range(5):
        due = (base + timedelta(days=5 - i)).isoformat()
        api.post("/tasks", json={"title": f"t{i}", "due_at": due}, headers=auth(user))
    page = api.get("/tasks", params={"page_size": 2}, headers=auth(user)).json()
    assert page["total"] == 5 and [t["title"] for t in page["items"]] == ["t4", "t3"]
    assert page["next"] == "/api/v1/tasks?page_size=2&page=2"
    newest = api.get(
        "/tasks", params={"page_size": 2, "sort": "-created_at"}, headers=auth(user)
    ).json()
    assert [t["title"] for t in newest["items"]] == ["t4", "t3"]
    oldest = api.get("/tasks", params={"sort": "created_at"}, headers=auth(user)).json()
    assert [t["title"] for t in oldest["items"]] == ["t0", "t1", "t2", "t3", "t4"]
    last = api.get("/tasks", params={"page_size": 2, "page": 3}, headers=auth(user)).json()
    assert last["next"] is None and len(last["items"]) == 1
    json.dumps(page)  # plain JSON all the way
