"""A steady, bounded load for the drills, and what must hold once it has settled.

Two loops run in threads while processes are killed:
- completions: each of a user's daily series has its pending instance completed through
  the API as soon as the engine has made it (so every completion needs the whole path:
  API -> outbox -> Kafka -> engine -> workflow round -> PostgreSQL);
- reminders: a one-off task every `reminder_every_s`, due ~20 s later with a reminder at
  the due time, to a user with an email address and a push subscription (engine job ->
  `alerts` -> notification-service -> SMTP and Web Push).
Every call may fail while something is down: failures are counted, never fatal, and the
truth is read back from PostgreSQL at the end."""

import itertools
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from dapr.ext.workflow import DaprWorkflowClient, WorkflowStatus

from engine.reactions import CONSUMER_TASK_EVENTS
from tests.support.push import PushSink
from tests.support.smtp import SmtpSink
from tests.support.stack import API, ENGINE, auth, eventually, new_user, query

REMINDER_LEAD = timedelta(seconds=20)
# The event types recurring-task-service acts on (and so records in processed_events);
# a v1.task.created counts only when its task has reminders.
ENGINE_ACTS_ON = ("v1.task.completed", "v1.series.created")


def _db(sql: str, *params: Any) -> list[tuple[Any, ...]] | None:
    """A query that may hit a database being killed: None instead of an exception."""
    try:
        return query(sql, *params)
    except Exception:
        return None


@dataclass
class Load:
    user: str
    series: list[str]
    push_endpoint: str
    email: str
    reminder_every_s: float = 1.5
    completed_ok: set[str] = field(default_factory=set)  # task ids answered 200
    reminders_ok: dict[str, str] = field(default_factory=dict)  # task id -> title, 201
    errors: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the two loops ---------------------------------------------------------------------
    def start(self) -> None:
        for target in (self._complete_loop, self._reminder_loop):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _note(self, kind: str) -> None:
        with self._lock:
            self.errors[kind] += 1

    def _call(
        self, client: httpx.Client, method: str, url: str, **kw: Any
    ) -> httpx.Response | None:
        with self._lock:
            self.attempts += 1
        try:
            r = client.request(method, url, headers=auth(self.user), **kw)
        except httpx.HTTPError as exc:
            self._note(type(exc).__name__)
            return None
        if r.status_code >= 500:
            self._note(f"http {r.status_code}")
        return r

    def _complete_loop(self) -> None:
        with httpx.Client(base_url=f"{API.url}/api/v1", timeout=15) as client:
            while not self._stop.is_set():
                for sid in self.series:
                    if self._stop.is_set():
                        return
                    rows = _db(
                        "SELECT task_id FROM tasks WHERE series_id = %s AND status = 'pending'",
                        sid,
                    )
                    if rows is None:
                        self._note("db down")
                        self._stop.wait(0.5)
                        continue
                    if len(rows) != 1:  # the engine has not made the next one yet
                        continue
                    tid = str(rows[0][0])
                    r = self._call(client, "POST", f"/tasks/{tid}/complete")
                    if r is not None and r.status_code == 200:
                        with self._lock:
                            self.completed_ok.add(tid)
                    self._stop.wait(0.1)
                self._stop.wait(0.3)

    def _reminder_loop(self) -> None:
        n = 0
        with httpx.Client(base_url=f"{API.url}/api/v1", timeout=15) as client:
            while not self._stop.is_set():
                n += 1
                title = f"drill reminder {self.user} #{n}"
                due = (datetime.now(UTC) + REMINDER_LEAD).replace(microsecond=0)
                body = {"title": title, "due_at": due.isoformat(), "reminders": ["0m"]}
                r = self._call(client, "POST", "/tasks", json=body)
                if r is not None and r.status_code == 201:
                    with self._lock:
                        self.reminders_ok[r.json()["task_id"]] = title
                self._stop.wait(self.reminder_every_s)

    # -- progress and the truth ------------------------------------------------------------
    def engine_instances(self) -> int:
        """Instances the engine has made for this user's series (the first ones excluded)."""
        rows = _db(
            "SELECT count(*) - count(DISTINCT series_id) FROM tasks "
            "WHERE series_id = ANY(%s::uuid[])",
            [*self.series],
        )
        return int(rows[0][0]) if rows else -1

    def wait_progress(self, since: int, more: int = 2, timeout: float = 120) -> int:
        """Waits until the engine made `more` instances after `since`: the whole completion
        path works again."""
        return eventually(
            lambda: n if (n := self.engine_instances()) >= since + more else None,
            timeout=timeout,
            interval=0.5,
        )


def _workflow_state(series_id: str) -> Any:
    """The series' workflow state with its payloads: the custom status is one of them."""
    client = DaprWorkflowClient(host="127.0.0.1", port=str(ENGINE.dapr_grpc))
    try:
        return client.get_workflow_state(f"series-{series_id}", fetch_payloads=True)
    except Exception:
        return None
    finally:
        client.close()


def start_load(
    api: httpx.Client, smtp: SmtpSink, push: PushSink, n_series: int = 8, **kw: Any
) -> Load:
    del smtp  # the session's SMTP server must be up: it is the email channel's receiver
    user = new_user()
    email = f"{user}@example.test"
    sub = push.new_subscription()
    r = api.put(
        "/me/notifications", json={"email": email, "push": sub.as_json()}, headers=auth(user)
    )
    assert r.status_code == 200, r.text
    series = []
    for i in range(n_series):
        r = api.post(
            "/tasks",
            json={"title": f"drill {i}", "recurrence": {"rule": "daily", "timezone": "UTC"}},
            headers=auth(user),
        )
        assert r.status_code == 201, r.text
        series.append(r.json()["series_id"])
    for sid in series:
        eventually(lambda sid=sid: _running(sid), timeout=90)
    load = Load(user, series, sub.endpoint, email, **kw)
    load.start()
    return load


def _running(series_id: str) -> bool:
    state = _workflow_state(series_id)
    return state is not None and state.runtime_status == WorkflowStatus.RUNNING


# -- invariants ----------------------------------------------------------------------------
def _series_settled(sid: str) -> list[tuple[Any, ...]] | None:
    rows = query(
        "SELECT task_id, status, occurrence_at FROM tasks WHERE series_id = %s ORDER BY 3", sid
    )
    return rows if rows and rows[-1][1] == "pending" else None


def assert_one_next_per_completion(load: Load) -> dict[str, int]:
    """Per series: completed, completed, ..., one pending; one day apart, no slot twice."""
    completed_total = 0
    for sid in load.series:
        rows = eventually(lambda sid=sid: _series_settled(sid), timeout=180, interval=0.5)
        statuses = [str(s) for _, s, _ in rows]
        occurrences = [o for _, _, o in rows]
        assert statuses == ["completed"] * (len(rows) - 1) + ["pending"], (sid, statuses)
        assert len(set(occurrences)) == len(occurrences), f"a slot made twice: {rows}"
        gaps = {b - a for a, b in itertools.pairwise(occurrences)}
        assert gaps <= {timedelta(days=1)}, f"an occurrence skipped or doubled: {rows}"
        completed_total += len(rows) - 1
    done = {
        str(t)
        for (t,) in query(
            "SELECT task_id FROM tasks WHERE series_id = ANY(%s::uuid[]) AND status = 'completed'",
            [*load.series],
        )
    }
    assert load.completed_ok <= done, "a completion the API confirmed is lost"
    return {"completions": completed_total, "confirmed": len(load.completed_ok)}


def _unsent(user: str) -> bool:
    rows = query("SELECT count(*) FROM outbox WHERE partition_key = %s AND sent_at IS NULL", user)
    return rows[0][0] == 0


def _unconsumed(user: str) -> list[tuple[Any, ...]]:
    """Events of `user` that recurring-task-service acts on but has not recorded."""
    return query(
        "SELECT o.event_type, o.event_id FROM outbox o "
        "LEFT JOIN processed_events p ON p.event_id = o.event_id::text AND p.consumer = %s "
        "WHERE o.partition_key = %s AND p.event_id IS NULL AND (o.event_type = ANY(%s::text[]) "
        "  OR (o.event_type = 'v1.task.created' "
        "      AND coalesce((o.payload->'data'->>'reminders')::int, 0) > 0))",
        CONSUMER_TASK_EVENTS,
        user,
        list(ENGINE_ACTS_ON),
    )


def assert_events_consumed(load: Load) -> int:
    """Every outbox row published; every event the engine acts on recorded by it once
    (processed_events' key makes 'once' the database's promise)."""
    eventually(lambda: _unsent(load.user), timeout=120, interval=0.5)
    eventually(lambda: not _unconsumed(load.user), timeout=120, interval=0.5)
    return int(query("SELECT count(*) FROM outbox WHERE partition_key = %s", load.user)[0][0])


def _reminders_of(user: str) -> list[tuple[Any, ...]]:
    return query(
        "SELECT r.reminder_id, r.task_id, r.status, t.title FROM reminders r "
        "JOIN tasks t ON t.task_id = r.task_id WHERE r.user_id = %s AND t.series_id IS NULL",
        user,
    )


def _all_settled(user: str) -> list[tuple[Any, ...]] | None:
    rows = _reminders_of(user)
    settled = query(
        "SELECT d.reminder_id, d.channel, d.status, d.attempts FROM notification_deliveries d "
        "WHERE d.user_id = %s AND d.status NOT IN ('pending', 'sending')",
        user,
    )
    return (
        settled
        if rows and all(str(r[2]) == "sent" for r in rows) and len(settled) == 2 * len(rows)
        else None
    )


def assert_reminders_once(load: Load, smtp: SmtpSink, push: PushSink) -> dict[str, int]:
    """Every reminder the API accepted reaches each channel exactly once."""
    rows = _reminders_of(load.user)
    accepted = {str(r[1]) for r in rows}
    assert set(load.reminders_ok) <= accepted, "a task the API confirmed has no reminder"
    settled = eventually(lambda: _all_settled(load.user), timeout=240, interval=1)
    assert {str(s) for _, _, s, _ in settled} == {"sent"}, settled
    titles = {str(r[0]): str(r[3]) for r in rows}
    pushes = Counter(p.payload.get("title") for p in push.received(load.push_endpoint))
    doubled = []
    for rid, title in titles.items():
        mails = smtp.for_reminder(rid)
        assert len(mails) >= 1 and pushes[title] >= 1, f"reminder {rid} not delivered"
        if len(mails) > 1 or pushes[title] > 1:
            doubled.append((rid, len(mails), pushes[title]))
    assert not doubled, f"delivered more than once (reminder, emails, pushes): {doubled}"
    return {"reminders": len(titles)}


def _wakes_later(series_id: str) -> dict[str, Any] | None:
    state = _workflow_state(series_id)
    if state is None or state.runtime_status != WorkflowStatus.RUNNING:
        return None
    status: dict[str, Any] = json.loads(state.serialized_custom_status or "{}")
    wake = status.get("wake_at")
    return status if wake and datetime.fromisoformat(wake) > datetime.now(UTC) else None


def assert_no_series_stuck(load: Load) -> None:
    """Each live series has a running workflow whose next wake-up is in the future. A
    generation whose first round failed (the database was down) waits 30 s and starts
    again, with no status until its round succeeds: hence the wait."""
    for sid in load.series:
        eventually(lambda sid=sid: _wakes_later(sid), timeout=120, interval=1)
