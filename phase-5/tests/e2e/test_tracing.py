"""One user action is one trace: completing a recurring task through the API, with a
reminder on the next instance, must come back from Zipkin as ONE trace that spans todo-api,
the sidecars, recurring-task-service (reaction, workflow round, reminder job) and
notification-service (intake and delivery). The test picks the trace id itself by sending
a traceparent with the request, so it reads exactly that trace."""

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.smtp import SmtpSink
from tests.support.stack import auth, eventually, new_user, query, workflow_state

ZIPKIN = "http://127.0.0.1:9411"


def _trace(trace_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{ZIPKIN}/api/v2/trace/{trace_id}", timeout=10)
    return r.json() if r.status_code == 200 else []


def _services(spans: list[dict[str, Any]]) -> set[str]:
    return {s.get("localEndpoint", {}).get("serviceName", "") for s in spans}


def _has(spans: list[dict[str, Any]], service: str, name_part: str) -> bool:
    return any(
        s.get("localEndpoint", {}).get("serviceName") == service and name_part in s.get("name", "")
        for s in spans
    )


def _first_round_done(series_id: str) -> bool:
    """The workflow recorded its first round: a completion now wakes a waiting workflow,
    instead of racing the round the series' creation started (which would then create the
    next instance in the creation's trace)."""
    state = workflow_state(series_id, payloads=True)
    raw = state.serialized_custom_status if state is not None else None
    return bool(raw) and json.loads(raw).get("rounds", 0) >= 1


def _complete_trace(trace_id: str) -> list[dict[str, Any]] | None:
    spans = _trace(trace_id)
    wanted = [
        ("todo-api", "publish task-operations"),  # the outbox relay, after the request
        ("recurring-task-service", "advance_series"),  # the workflow round
        ("recurring-task-service", "publish reminder.due"),  # the reminder job
        ("notification-service", "deliver email"),  # the delivery worker
    ]
    return spans if all(_has(spans, svc, part) for svc, part in wanted) else None


def test_one_completion_is_one_trace_across_every_service(
    api: httpx.Client, smtp: SmtpSink
) -> None:
    user = new_user()
    email = f"{user}@example.test"
    r = api.put("/me/notifications", json={"email": email}, headers=auth(user))
    assert r.status_code == 200, r.text
    # Daily at T, two minutes from now: today's instance exists at once (its reminder a
    # day before T is past, so none). Completing it creates tomorrow's, whose reminder a
    # day before is due at T today: the completion's trace reaches notification-service.
    at = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    rule = f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute}"
    title = f"Traced standup {user}"
    body = {"title": title, "recurrence": {"rule": rule, "timezone": "UTC"}, "reminders": ["1d"]}
    first = api.post("/tasks", json=body, headers=auth(user))
    assert first.status_code == 201, first.text
    eventually(lambda: _first_round_done(first.json()["series_id"]), timeout=60, interval=0.2)

    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    done = api.post(
        f"/tasks/{first.json()['task_id']}/complete",
        headers=auth(user) | {"traceparent": traceparent},
    )
    assert done.status_code == 200, done.text

    eventually(lambda: smtp.mail(lambda m: title in str(m.message["Subject"])), timeout=180)
    try:
        spans = eventually(lambda: _complete_trace(trace_id), timeout=60, interval=1)
    except AssertionError:
        seen = sorted(
            (s.get("timestamp", 0), s["localEndpoint"]["serviceName"], s["name"])
            for s in _trace(trace_id)
        )
        rows = query(
            "SELECT t.due_date, r.scheduled_time, r.status, r.fired_at, r.traceparent, "
            "o.traceparent FROM tasks t LEFT JOIN reminders r ON r.task_id = t.task_id "
            "LEFT JOIN outbox o ON o.payload->'data'->'task'->>'task_id' = t.task_id::text "
            "AND o.event_type = 'v1.task.created' WHERE t.user_id = %s",
            user,
        )
        raise AssertionError(f"trace {trace_id} incomplete: {seen}; rows {rows}") from None
    assert {s["traceId"] for s in spans} == {trace_id}
    services = _services(spans)
    print(f"trace {trace_id}: {len(spans)} spans from {sorted(services)}")
    assert {"todo-api", "recurring-task-service", "notification-service"} <= services
    # Sidecar spans: daprd reports under its app id, with names of its own: "pubsub/<topic>"
    # for a delivery to the app, "activity||<name>" and "create_orchestration||<name>" for
    # the workflow engine (the apps' own spans never use these names).
    sidecar = {
        s["localEndpoint"]["serviceName"]
        for s in spans
        if s["name"].startswith("pubsub/") or "||" in s["name"]
    }
    assert sidecar, "no sidecar span in the trace"
    # The API request itself is the root the test chose.
    assert any(
        s.get("localEndpoint", {}).get("serviceName") == "todo-api"
        and "/tasks/{task_id}/complete" in s.get("name", "")
        for s in spans
    )
