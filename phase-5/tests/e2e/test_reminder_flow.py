"""Reminders end to end: API -> reminder rows -> Dapr Jobs -> v1.reminder.due on `alerts`
-> notification-service -> a real SMTP server and a real push endpoint."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import pytest

from tests.support.push import PushSink
from tests.support.smtp import SmtpSink, shared_sink
from tests.support.stack import ENGINE, auth, eventually, new_user, query, secrets

T = TypeVar("T")


@pytest.fixture(scope="module")
def smtp(stack: str) -> SmtpSink:
    return shared_sink()


@pytest.fixture(scope="module")
def push(stack: str) -> Iterator[PushSink]:
    sink = PushSink(secrets()["vapid-public-key"])
    sink.start()
    yield sink
    sink.stop()


def _at_least(items: list[T], n: int) -> list[T] | None:
    return items if len(items) >= n else None


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
    time.sleep(2)
    assert len(smtp.mail(lambda m: title in str(m.message["Subject"]))) == 2, (
        "exactly one per reminder"
    )
    assert len(push.received(endpoint)) == 2


def test_completing_before_the_reminder_sends_nothing(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    _, endpoint = _subscribe(api, user, push)
    title = f"Call mum {user}"
    due = datetime.now(UTC) + timedelta(seconds=15)
    task = api.post(
        "/tasks",
        json={"title": title, "due_at": due.isoformat(), "reminders": ["0m"]},
        headers=auth(user),
    ).json()
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
    while datetime.now(UTC) < due + timedelta(seconds=5):
        time.sleep(0.5)
    assert smtp.mail(lambda m: title in str(m.message["Subject"])) == []
    assert push.received(endpoint) == []
    assert query("SELECT status, sent_at FROM reminders WHERE task_id = %s", task["task_id"]) == [
        ("cancelled", None)
    ]
