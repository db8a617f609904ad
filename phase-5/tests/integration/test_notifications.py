"""notification-service on the real stack: `v1.reminder.due` events published to `alerts`
through the todo-api sidecar come out as real email (aiosmtpd) and real Web Push (a push
service that checks VAPID and decrypts aes128gcm). Rows are written the way the engine
writes them; the tests act as the engine. Each test uses fresh users and ids."""

import itertools
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts.events import EventType
from tests.support.kafka import TopicTail
from tests.support.push import BrowserSubscription, PushSink
from tests.support.smtp import SmtpSink
from tests.support.stack import (
    API,
    NOTIFIER,
    P5,
    STATE,
    auth,
    eventually,
    new_user,
    query,
    run_script,
    secrets,
)

# Tue 3 Dec 2030 15:00 UTC is 10:00 in New York (EST) and 16:00 in Berlin (CET).
DUE = datetime(2030, 12, 3, 15, 0, tzinfo=UTC)
DUE_NY = "Due Tue 3 Dec 2030, 10:00 (America/New_York)"
MAX_LATENESS_S = 60.0


# -- acting as the engine -----------------------------------------------------------------------
def insert_task(user: str, title: str, due: datetime = DUE, status: str = "pending") -> str:
    rows = query(
        "INSERT INTO tasks (task_id, user_id, title, description, priority, due_date, status, "
        "is_exception, is_recurring) VALUES (%s, %s, %s, %s, 'medium', %s, %s, false, false) "
        "RETURNING task_id::text",
        uuid.uuid4(),
        user,
        title,
        f"Notes for {title}",
        due,
        status,
    )
    return str(rows[0][0])


def insert_reminder(
    task_id: str, user: str, scheduled: datetime, offset: str, status: str = "pending"
) -> str:
    rid = uuid.uuid4()
    query(
        'INSERT INTO reminders (reminder_id, task_id, user_id, scheduled_time, "offset", '
        "reminder_type, status, job_name) VALUES (%s, %s, %s, %s, %s, 'all', %s, %s) "
        "RETURNING reminder_id",
        rid,
        task_id,
        user,
        scheduled,
        offset,
        status,
        f"test-reminder-{rid}",
    )
    return str(rid)


def due_event(
    rid: str,
    task_id: str,
    user: str,
    title: str,
    scheduled: datetime,
    offset: str,
    tz: str = "America/New_York",
    due: datetime = DUE,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": rid,
        "type": "v1.reminder.due",
        "source": "tests",
        "time": scheduled.isoformat(),
        "datacontenttype": "application/json",
        "data": {
            "reminder_id": rid,
            "task_id": task_id,
            "user_id": user,
            "series_id": None,
            "title": title,
            "description": f"Notes for {title}",
            "due_at": due.isoformat(),
            "scheduled_time": scheduled.isoformat(),
            "offset": offset,
            "timezone": tz,
            "some_future_field": {"ignored": True},
        },
    }


def publish(event: dict[str, Any]) -> None:
    r = httpx.post(
        f"{API.dapr_url}/v1.0/publish/pubsub/alerts",
        params={"metadata.partitionKey": event["data"]["user_id"]},
        content=json.dumps(event),
        headers={"content-type": "application/cloudevents+json"},
        timeout=10,
    )
    assert r.status_code == 204, r.text


def reminder_now(user: str, task_id: str, title: str, offset: str = "0m", **kw: Any) -> str:
    """Inserts a reminder due now and publishes its event; returns the reminder id."""
    scheduled = datetime.now(UTC)
    rid = insert_reminder(task_id, user, scheduled, offset)
    publish(due_event(rid, task_id, user, title, scheduled, offset, **kw))
    return rid


def register(
    api: httpx.Client, user: str, email: str | None, sub: BrowserSubscription | None
) -> None:
    body: dict[str, Any] = {}
    if email:
        body["email"] = email
    if sub:
        body["push"] = sub.as_json()
    r = api.put("/me/notifications", json=body, headers=auth(user))
    assert r.status_code == 200, r.text


def deliveries(rid: str) -> dict[str, dict[str, Any]]:
    rows = query(
        "SELECT channel, status, attempts, sent_at, scheduled_time, dead_lettered_at, last_error "
        "FROM notification_deliveries WHERE reminder_id = %s",
        rid,
    )
    keys = ("status", "attempts", "sent_at", "scheduled_time", "dead_lettered_at", "last_error")
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}


def settled(rid: str, channels: tuple[str, ...] = ("email", "push")) -> bool:
    d = deliveries(rid)
    return all(
        d.get(c, {}).get("status") in ("sent", "failed", "cancelled", "gone") for c in channels
    )


def reminder_row(rid: str) -> tuple[str, datetime | None]:
    status, sent_at = query("SELECT status, sent_at FROM reminders WHERE reminder_id = %s", rid)[0]
    return str(status), sent_at


def metric(name: str, **labels: str) -> float:
    text = httpx.get(f"{NOTIFIER.url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


# -- tests ----------------------------------------------------------------------------------------
def test_three_reminders_arrive_by_email_and_push_in_order_and_on_time(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    address = f"{user}@example.com"
    sub = push.new_subscription()
    register(api, user, address, sub)
    task_id = insert_task(user, "Pay rent")
    before = {
        c: (
            metric("notification_deliveries_total", channel=c, outcome="sent"),
            metric("notification_delivery_lateness_seconds_count", channel=c),
        )
        for c in ("email", "push")
    }

    rids: list[str] = []
    for offset in ("1d", "1h", "0m"):
        if rids:
            time.sleep(2)  # the scenario: reminders firing seconds apart (pacing, not waiting)
        rids.append(reminder_now(user, task_id, "Pay rent", offset))
    eventually(lambda: all(settled(r) for r in rids), timeout=90)

    mails = [m for m in smtp.mail(lambda m: address in m.rcpt_tos)]
    assert [m.reminder_id for m in mails] == rids, "one email per reminder, in firing order"
    pushes = push.received(sub.endpoint)
    assert [p.headers["Topic"] for p in pushes] == [uuid.UUID(r).hex for r in rids]
    assert push.rejected() == []

    phrases = ["due in 1 day", "due in 1 hour", "due now"]
    for rid, mail, p, phrase in zip(rids, mails, pushes, phrases, strict=True):
        msg = mail.message
        assert msg["To"] == address and mail.rcpt_tos == [address]
        assert msg["From"] == secrets()["smtp-from"]
        assert msg["Subject"] == f"Reminder: Pay rent ({phrase})"
        assert msg["Message-ID"] == f"<{rid}.email@todo.local>"
        text, html = mail.part("plain"), mail.part("html")
        link = f"/tasks/{task_id}"
        for body in (text, html):
            assert DUE_NY in body, body
            assert link in body
        assert "Notes for Pay rent" in text
        assert p.payload == {
            "title": "Pay rent",
            "body": f"{DUE_NY} ({phrase})",
            "task_id": task_id,
            "due_at": DUE.isoformat(),
            "url": p.payload["url"],
        }
        assert p.payload["url"].endswith(link)
        assert p.claims["aud"] == push.origin
        assert p.headers["Content-Encoding"] == "aes128gcm"

    print("\nlateness (sent_at - scheduled_time), seconds:")
    for rid, offset in zip(rids, ("1d", "1h", "0m"), strict=True):
        d = deliveries(rid)
        for channel in ("email", "push"):
            row = d[channel]
            assert row["status"] == "sent" and row["attempts"] == 1
            lateness = (row["sent_at"] - row["scheduled_time"]).total_seconds()
            print(f"  {offset:>3} {channel:<5} {lateness:7.3f}")
            assert 0 <= lateness < MAX_LATENESS_S
        status, sent_at = reminder_row(rid)
        assert status == "sent"
        assert sent_at == min(d["email"]["sent_at"], d["push"]["sent_at"])

    # Process-wide counters: other reminders may be delivered meanwhile, so at least ours.
    for c, (sent0, count0) in before.items():
        assert metric("notification_deliveries_total", channel=c, outcome="sent") >= sent0 + 3
        assert metric("notification_delivery_lateness_seconds_count", channel=c) >= count0 + 3


def test_reminder_of_a_task_no_longer_pending_is_cancelled_never_sent(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    address = f"{user}@example.com"
    sub = push.new_subscription()
    register(api, user, address, sub)
    completed = insert_task(user, "Completed before the reminder")
    deleted = insert_task(user, "Deleted before the reminder")
    cancelled = insert_task(user, "Reminder cancelled by the engine")
    sentinel = insert_task(user, "Still pending")
    now = datetime.now(UTC)
    r_completed = insert_reminder(completed, user, now, "0m")
    r_deleted = insert_reminder(deleted, user, now, "0m")
    r_cancelled = insert_reminder(cancelled, user, now, "0m", status="cancelled")
    # The user acts before the reminder event is consumed.
    query(
        "UPDATE tasks SET status = 'completed', completed_at = now() WHERE task_id = %s "
        "RETURNING 1",
        completed,
    )
    query("UPDATE tasks SET status = 'deleted' WHERE task_id = %s RETURNING 1", deleted)
    for rid, task_id in ((r_completed, completed), (r_deleted, deleted), (r_cancelled, cancelled)):
        publish(due_event(rid, task_id, user, "x", now, "0m"))
    # Same user, same partition: once this one is delivered the others were consumed.
    r_sentinel = reminder_now(user, sentinel, "Still pending")
    eventually(lambda: settled(r_sentinel), timeout=60)

    for rid in (r_completed, r_deleted, r_cancelled):
        assert reminder_row(rid) == ("cancelled", None)
        d = deliveries(rid)
        assert {c: (row["status"], row["attempts"]) for c, row in d.items()} == {
            "email": ("cancelled", 0),
            "push": ("cancelled", 0),
        }
    mails = smtp.mail(lambda m: address in m.rcpt_tos)
    assert [m.reminder_id for m in mails] == [r_sentinel]
    assert [p.headers["Topic"] for p in push.received(sub.endpoint)] == [uuid.UUID(r_sentinel).hex]


def test_smtp_down_three_attempts_5s_apart_then_dlq_while_push_is_delivered(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    address = f"{user}@example.com"
    sub = push.new_subscription()
    register(api, user, address, sub)
    task_id = insert_task(user, "Renew passport")
    dlq_before = metric("notification_dead_letters_total", channel="email")
    tail = TopicTail("alerts-dlq")
    smtp.go_down()
    try:
        t0 = time.time()
        rid = reminder_now(user, task_id, "Renew passport")
        dead, msg = tail.find(lambda b, _: b.get("id") == f"{rid}.email", timeout=60)
        attempts = smtp.refusals(since=t0)
        pushed = push.received(sub.endpoint)
        again = tail.find_all(lambda b, _: b.get("id") == f"{rid}.email", timeout=3)
    finally:
        smtp.come_back()
        tail.close()

    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    print(f"\nSMTP attempts at +{[round(a - t0, 2) for a in attempts]} s, gaps {gaps}")
    assert len(attempts) == 3, attempts
    assert all(4.8 <= g <= 7.0 for g in gaps), gaps
    # Push did not wait for email: it arrived before the second email attempt.
    assert len(pushed) == 1 and pushed[0].received_at < attempts[1]

    assert again == [], "exactly one dead letter per failed delivery"
    assert msg.key() == user.encode()
    assert dead["type"] == EventType.REMINDER_DELIVERY_FAILED
    data = dead["data"]
    assert (data["reminder_id"], data["channel"], data["user_id"]) == (rid, "email", user)
    assert data["attempts"] == 3 and "421" in data["error"]
    assert data["reminder"]["title"] == "Renew passport"

    d = deliveries(rid)
    assert d["email"]["status"] == "failed" and d["email"]["attempts"] == 3
    assert d["email"]["dead_lettered_at"] is not None
    assert d["push"]["status"] == "sent" and d["push"]["attempts"] == 1
    assert reminder_row(rid)[0] == "sent", "push reached the user"
    assert metric("notification_dead_letters_total", channel="email") >= dlq_before + 1

    # SMTP is back: the next reminder goes out by email again.
    later = reminder_now(user, task_id, "Renew passport")
    eventually(lambda: settled(later), timeout=60)
    assert deliveries(later)["email"]["status"] == "sent"
    assert [m.reminder_id for m in smtp.mail(lambda m: address in m.rcpt_tos)] == [later]


def test_same_event_delivered_twice_notifies_once_per_channel(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    address = f"{user}@example.com"
    sub = push.new_subscription()
    register(api, user, address, sub)
    task_id = insert_task(user, "Water the plants")
    scheduled = datetime.now(UTC)
    rid = insert_reminder(task_id, user, scheduled, "0m")
    event = due_event(rid, task_id, user, "Water the plants", scheduled, "0m", tz="Europe/Berlin")
    publish(event)
    publish(event)  # redelivery racing the first
    eventually(lambda: settled(rid), timeout=60)
    publish(event)  # redelivery after the notifications went out
    sentinel = reminder_now(user, task_id, "Water the plants")
    eventually(lambda: settled(sentinel), timeout=60)

    mails = smtp.mail(lambda m: address in m.rcpt_tos)
    assert [m.reminder_id for m in mails] == [rid, sentinel]
    assert "Due Tue 3 Dec 2030, 16:00 (Europe/Berlin)" in mails[0].part("plain")
    topics = [p.headers["Topic"] for p in push.received(sub.endpoint)]
    assert topics == [uuid.UUID(rid).hex, uuid.UUID(sentinel).hex]
    assert {c: row["attempts"] for c, row in deliveries(rid).items()} == {"email": 1, "push": 1}


def test_gone_push_subscription_is_removed_and_not_retried(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    address = f"{user}@example.com"
    alive, expired = push.new_subscription(), push.new_subscription()
    register(api, user, address, alive)
    register(api, user, None, expired)
    push.respond_with(expired.endpoint, 410)
    task_id = insert_task(user, "Book dentist")
    rid = reminder_now(user, task_id, "Book dentist")
    eventually(lambda: settled(rid), timeout=60)

    assert len(push.received(alive.endpoint)) == 1
    assert [r.status for r in push.requests(expired.endpoint)] == [410]
    listed = api.get("/me/notifications", headers=auth(user)).json()
    assert [s["endpoint"] for s in listed["push"]] == [alive.endpoint]
    assert {c: (row["status"], row["attempts"]) for c, row in deliveries(rid).items()} == {
        "email": ("sent", 1),
        "push": ("sent", 1),
    }

    # With no subscription left, push ends as 'gone' (nothing to deliver), not as a failure.
    api.delete("/me/notifications/push", params={"endpoint": alive.endpoint}, headers=auth(user))
    second = reminder_now(user, task_id, "Book dentist")
    eventually(lambda: settled(second, ("email",)), timeout=60)
    assert deliveries(second).keys() == {"email"}, "no push row without a subscription"
    assert len(smtp.mail(lambda m: address in m.rcpt_tos)) == 2


@pytest.fixture
def second_replica(stack: str, tmp_path: Path) -> Iterator[str]:
    """Another notification-service process on the same sidecar: the sidecar delivers events
    to the first one only, but both workers claim from the same delivery table, as two
    replicas do. Its short sweep makes it scan every second. Yields its worker-id prefix."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "APP_ID": NOTIFIER.app_id,
        "APP_PORT": str(port),
        "DAPR_HTTP_PORT": str(NOTIFIER.dapr_http),
        "DAPR_GRPC_PORT": str(NOTIFIER.dapr_grpc),
        "NOTIFY_SWEEP_SECONDS": "1",
    }
    with open(tmp_path / "replica.log", "wb") as log:
        proc = subprocess.Popen(
            [
                str(P5 / ".venv/bin/uvicorn"),
                "notifications.service:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=P5,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            eventually(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), timeout=60)
            yield f"{socket.gethostname()}-{proc.pid}-"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_two_replicas_share_deliveries_without_doubling(
    api: httpx.Client, smtp: SmtpSink, push: PushSink, second_replica: str
) -> None:
    users = [new_user() for _ in range(4)]
    for user in users:
        register(api, user, f"{user}@example.com", push.new_subscription())
    tasks = {user: insert_task(user, "Shared work") for user in users}
    smtp.go_down()  # every email fails once, so both workers race for the retries
    try:
        rids = [reminder_now(u, tasks[u], "Shared work") for u in users * 5]
        eventually(
            lambda: all(deliveries(r).get("email", {}).get("attempts", 0) >= 1 for r in rids),
            timeout=30,
        )
    finally:
        smtp.come_back()
    eventually(lambda: all(settled(r) for r in rids), timeout=90)

    for rid in rids:
        assert len(smtp.for_reminder(rid)) == 1, rid
        assert {c: row["status"] for c, row in deliveries(rid).items()} == {
            "email": "sent",
            "push": "sent",
        }
    topics = [p.headers["Topic"] for p in push.received()]
    assert all(topics.count(uuid.UUID(r).hex) == 1 for r in rids)
    owners = [
        str(o)
        for (o,) in query(
            "SELECT claimed_by FROM notification_deliveries "
            "WHERE reminder_id = ANY(%s::uuid[]) AND channel = 'email'",
            rids,
        )
    ]
    mine = sum(o.startswith(second_replica) for o in owners)
    print(f"\nemail retries sent by the second replica: {mine} of {len(owners)}")
    assert 0 < mine < len(owners), "both replicas must have sent some: the race happened"


def _notifier_pid() -> int:
    return int((STATE / "run" / "notification-service.pid").read_text().strip())


def test_kill_9_during_delivery_then_restart_delivers_exactly_once(
    api: httpx.Client, smtp: SmtpSink, push: PushSink
) -> None:
    user = new_user()
    address = f"{user}@example.com"
    sub = push.new_subscription()
    register(api, user, address, sub)
    task_id = insert_task(user, "File taxes")
    scheduled = datetime.now(UTC)
    rid = insert_reminder(task_id, user, scheduled, "0m")
    hold = smtp.hold_next(lambda m: m["X-Reminder-Id"] == rid, seconds=60)
    publish(due_event(rid, task_id, user, "File taxes", scheduled, "0m"))

    assert hold.started.wait(30), "the email never reached the SMTP server"
    eventually(lambda: deliveries(rid).get("push", {}).get("status") == "sent", timeout=10)
    assert deliveries(rid)["email"]["status"] == "sending"
    pid = _notifier_pid()
    os.kill(pid, signal.SIGKILL)  # mid-conversation: the server has not answered 250 yet
    eventually(lambda: _gone(pid), timeout=10)
    assert hold.abandoned.wait(10), "the SMTP server should see the client vanish"
    assert smtp.for_reminder(rid) == []

    run_script("dev-up.sh", "--restart", "notification-service", timeout=180)
    # The new process takes the delivery over when the dead one's lease expires.
    eventually(lambda: deliveries(rid)["email"]["status"] == "sent", timeout=90)

    mails = smtp.for_reminder(rid)
    assert len(mails) == 1 and mails[0].message["Message-ID"] == f"<{rid}.email@todo.local>"
    assert len(push.received(sub.endpoint)) == 1
    d = deliveries(rid)
    assert d["email"]["attempts"] == 2, "one attempt killed, one after the restart"
    assert d["push"]["attempts"] == 1
    assert reminder_row(rid)[0] == "sent"
    # The restarted process counts its takeovers (ours at least; the delivery row above
    # is the exact record of this one).
    assert metric("notification_lease_takeovers_total", channel="email") >= 1
    lateness = d["email"]["sent_at"] - d["email"]["scheduled_time"]
    print(f"\nemail after crash delivered {lateness.total_seconds():.1f} s after schedule")
    assert lateness < timedelta(seconds=90)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie of an exited child still answers kill(0); /proc tells the truth.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"
    except FileNotFoundError:
        return True
