"""Reminders end to end: API -> reminder rows -> Dapr Jobs -> v1.reminder.due on `alerts`
-> notification-service -> a real SMTP server and a real push endpoint."""

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from tests.support.push import PushSink
from tests.support.smtp import SmtpSink
from tests.support.stack import ENGINE, auth, eventually, new_user, query

T = TypeVar("T")


def _at_least(items: list[T], n: int) -> list[T] | None:
    return items if len(items) >= n else None


def _settled_deliveries(task_id: str, n: int) -> list[tuple[str, int]] | None:
    """(status, attempts) of the task's delivery rows once all n are out of the worker's
    hands (neither pending nor sending)."""
    rows = query(
        "SELECT d.status, d.attempts FROM notification_deliveries d "
        "JOIN reminders r ON r.reminder_id = d.reminder_id WHERE r.task_id = %s",
        task_id,
    )
    done = [(str(s), int(a)) for s, a in rows if s not in ("pending", "sending")]
    return done if len(done) == n == len(rows) else None


def _subscribe(api: httpx.Client, user: str, push: PushSink) -> tuple[str, str]:
    email = f"{user}@example.test"
    sub = push.new_subscription()
    r = api.put(
        "/me/notifications", json={"email": email, "push": sub.as_json()}, headers=auth(user)
    )
    assert r.status_code == 200, r.text
    return email, sub.endpoint


def test_two_reminders_arrive_by_email_and_push_in_order(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    email, endpoint = _subscribe(api, user, push)
    title = f"Renew passport {user}"
    due = (datetime.now(UTC) + timedelta(seconds=80)).replace(microsecond=0)
    r = api.post(
        "/tasks",
        json={"title": title, "due_at": due.isoformat(), "reminders": ["1m", "0m"]},
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    mails = eventually(
        lambda: _at_least(smtp.mail(lambda m: title in str(m.message["Subject"])), 2),
        timeout=120,
        interval=0.5,
    )
    pushes = eventually(lambda: _at_least(push.received(endpoint), 2), timeout=30)
    assert [m.rcpt_tos for m in mails] == [[email], [email]]
    expected = [due - timedelta(minutes=1), due]
    for got, want in zip(mails, expected, strict=True):
        late = got.received_at - want.timestamp()
        print(f"email lateness {late:.2f} s")
        assert 0 <= late < 60
    for got, want in zip(pushes, expected, strict=True):
        assert got.payload["title"] == title
        late = got.received_at - want.timestamp()
        print(f"push lateness {late:.2f} s")
        assert 0 <= late < 60
    # Exactly one per reminder: every delivery row is settled after a single attempt (the
    # worker never sends a settled row again), and the receivers saw no more than that.
    settled = eventually(
        lambda: _settled_deliveries(r.json()["task_id"], 4), timeout=30, interval=0.2
    )
    assert settled == [("sent", 1)] * 4
    assert len(smtp.mail(lambda m: title in str(m.message["Subject"]))) == 2
    assert len(push.received(endpoint)) == 2


def test_completing_before_the_reminder_sends_nothing(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    _, endpoint = _subscribe(api, user, push)
    title = f"Call mum {user}"
    due = datetime.now(UTC) + timedelta(seconds=15)

    def create(name: str) -> dict[str, Any]:
        body = {"title": name, "due_at": due.isoformat(), "reminders": ["0m"]}
        created: dict[str, Any] = api.post("/tasks", json=body, headers=auth(user)).json()
        return created

    task = create(title)
    # The control: same user, same instant, left pending. Its delivery is the recorded fact
    # that the reminder's moment has passed with the whole pipeline working.
    control = create(f"Call dad {user}")
    job = f"reminder-{task['task_id']}-0m"
    eventually(
        lambda: httpx.get(f"{ENGINE.dapr_url}/v1.0/jobs/{job}", timeout=5).status_code == 200,
        timeout=15,
    )
    assert api.post(f"/tasks/{task['task_id']}/complete", headers=auth(user)).status_code == 200
    eventually(
        lambda: httpx.get(f"{ENGINE.dapr_url}/v1.0/jobs/{job}", timeout=5).status_code != 200,
        timeout=15,
    )
    eventually(lambda: _settled_deliveries(control["task_id"], 2), timeout=60, interval=0.2)
    assert smtp.mail(lambda m: title in str(m.message["Subject"])) == []
    assert [p.payload["title"] for p in push.received(endpoint)] == [control["title"]]
    assert query(
        "SELECT status, sent_at, fired_at FROM reminders WHERE task_id = %s", task["task_id"]
    ) == [("cancelled", None, None)], "its job was deleted: it never fired"


def test_a_reminder_whose_job_was_lost_is_still_delivered_once(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    """A job gone before it fired (its retries ran out while the engine was down): the
    engine's sweep fires the reminder once its time is a minute past, exactly once per channel."""
    user = new_user()
    email, endpoint = _subscribe(api, user, push)
    title = f"Lost job {user}"
    due = datetime.now(UTC) + timedelta(minutes=30)
    body = {"title": title, "due_at": due.isoformat(), "reminders": ["0m"]}
    task = api.post("/tasks", json=body, headers=auth(user)).json()
    job = f"reminder-{task['task_id']}-0m"
    url = f"{ENGINE.dapr_url}/v1.0/jobs/{job}"
    eventually(lambda: httpx.get(url, timeout=5).status_code == 200, timeout=15)
    assert httpx.delete(url, timeout=5).status_code in (200, 204)
    assert httpx.get(url, timeout=5).status_code != 200
    # The reminder's time is now two minutes past and nothing will fire it but the sweep.
    assert query(
        "UPDATE reminders SET scheduled_time = now() - interval '2 minutes' "
        "WHERE task_id = %s RETURNING status",
        task["task_id"],
    ) == [("pending",)]
    mails = eventually(
        lambda: _at_least(smtp.mail(lambda m: title in str(m.message["Subject"])), 1),
        timeout=90,
        interval=0.5,
    )
    assert [m.rcpt_tos for m in mails] == [[email]]
    eventually(lambda: _at_least(push.received(endpoint), 1), timeout=30)
    assert eventually(lambda: _settled_deliveries(task["task_id"], 2), timeout=30) == [
        ("sent", 1),
        ("sent", 1),
    ]
    assert len(smtp.mail(lambda m: title in str(m.message["Subject"]))) == 1
    assert len(push.received(endpoint)) == 1
