"""Every panel of every dashboard the chart ships, run against the local Prometheus after a
small load: each query must parse, and each must return data (a panel over a metric nobody
exports is a defect). Cluster-only panels (Kubernetes metrics) must parse here; their
metrics exist only in a cluster."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.dashboards import PanelQuery, panel_queries
from tests.support.smtp import SmtpSink
from tests.support.stack import auth, eventually, new_user

PROMETHEUS = "http://127.0.0.1:9090"


def _query(expr: str) -> tuple[int, list[Any]]:
    r = httpx.get(f"{PROMETHEUS}/api/v1/query", params={"query": expr}, timeout=10)
    body = r.json()
    return r.status_code, body.get("data", {}).get("result", []) if r.status_code == 200 else []


def _load(api: httpx.Client, smtp: SmtpSink) -> None:
    """A little of everything: a recurring task completed (a round, events both ways), a
    one-off task with a reminder delivered by email, a 404 and a 422."""
    user = new_user()
    r = api.put("/me/notifications", json={"email": f"{user}@example.test"}, headers=auth(user))
    assert r.status_code == 200, r.text
    series = api.post(
        "/tasks",
        json={"title": "Load", "recurrence": {"rule": "daily", "timezone": "UTC"}},
        headers=auth(user),
    )
    assert series.status_code == 201, series.text
    done = api.post(f"/tasks/{series.json()['task_id']}/complete", headers=auth(user))
    assert done.status_code == 200, done.text
    title = f"Dashboard load {user}"
    due = (datetime.now(UTC) + timedelta(seconds=65)).replace(microsecond=0)
    body = {"title": title, "due_at": due.isoformat(), "reminders": ["1m"]}
    assert api.post("/tasks", json=body, headers=auth(user)).status_code == 201
    assert (
        api.get("/tasks/00000000-0000-0000-0000-000000000000", headers=auth(user)).status_code
        == 404
    )
    assert api.post("/tasks", json={"title": ""}, headers=auth(user)).status_code == 422
    eventually(lambda: smtp.mail(lambda m: title in str(m.message["Subject"])), timeout=120)


def _empty(queries: list[PanelQuery]) -> list[str]:
    return [f"{q.dashboard} / {q.panel}: {q.expr}" for q in queries if not _query(q.expr)[1]]


def _all_have_data(queries: list[PanelQuery]) -> bool | None:
    return None if _empty(queries) else True


def test_every_panel_query_parses_and_returns_data(api: httpx.Client, smtp: SmtpSink) -> None:
    queries = panel_queries()
    assert len(queries) >= 25
    for q in queries:
        status, _ = _query(q.expr)
        assert status == 200, f"{q.dashboard} / {q.panel} does not parse: {q.expr}"
    _load(api, smtp)
    local = [q for q in queries if not q.cluster_only]
    # rate() needs two scrapes (15 s apart) after the load inside its window.
    try:
        eventually(lambda: _all_have_data(local), timeout=90, interval=5)
    except AssertionError:
        raise AssertionError(f"panels without data after the load: {_empty(local)}") from None
    cluster = len(queries) - len(local)
    print(f"{len(local)} panel queries returned data; {cluster} cluster-only ones parsed")
