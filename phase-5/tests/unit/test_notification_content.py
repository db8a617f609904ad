"""What a reminder says, and which addresses and push subscriptions are accepted."""

import base64
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from contracts.channels import check_auth, check_endpoint, check_p256dh, normalize_email
from contracts.events import ReminderDue
from notifications.content import due_line, render, when_phrase


def _reminder(**kw: object) -> ReminderDue:
    base: dict[str, object] = {
        "reminder_id": uuid.uuid4(),
        "task_id": uuid.UUID(int=7),
        "user_id": "ann",
        "title": "Pay rent",
        "description": "Flat 3\nSend receipt",
        "due_at": datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        "scheduled_time": datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        "offset": "1h",
        "timezone": "America/New_York",
    }
    base.update(kw)
    return ReminderDue.model_validate(base)


def test_due_line_uses_the_users_wall_clock_across_dst() -> None:
    assert due_line(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), "America/New_York") == (
        "Due Tue 1 Dec 2026, 10:00 (America/New_York)"
    )
    assert due_line(datetime(2026, 7, 1, 14, 0, tzinfo=UTC), "America/New_York") == (
        "Due Wed 1 Jul 2026, 10:00 (America/New_York)"
    )
    assert due_line(datetime(2026, 7, 1, 14, 0, tzinfo=UTC), "Not/AZone").endswith("14:00 (UTC)")


@pytest.mark.parametrize(
    ("offset", "phrase"),
    [
        ("0m", "due now"),
        ("1h", "due in 1 hour"),
        ("2d", "due in 2 days"),
        ("15m", "due in 15 minutes"),
    ],
)
def test_when_phrase(offset: str, phrase: str) -> None:
    assert when_phrase(offset) == phrase


def test_render_escapes_html_and_keeps_subject_on_one_line() -> None:
    content = render(
        _reminder(title="<b>Rent</b>\r\nBcc: evil@example.com"), "https://todo.example/"
    )
    assert "\n" not in content.subject and "\r" not in content.subject
    assert content.subject.startswith("Reminder: <b>Rent</b>")
    assert "<b>Rent</b>" not in content.html and "&lt;b&gt;Rent&lt;/b&gt;" in content.html
    assert content.url == f"https://todo.example/tasks/{uuid.UUID(int=7)}"
    assert "Due Tue 1 Dec 2026, 10:00 (America/New_York)." in content.text
    assert "Flat 3<br>Send receipt" in content.html


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Ann@Example.COM ", "Ann@example.com"),
        ("a.b+tag@mail.example.org", "a.b+tag@mail.example.org"),
    ],
)
def test_good_emails_are_normalized(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@localhost",
        "a b@example.com",
        "ann@exa_mple.com",
        "ann@example.c0m",
        "x" * 65 + "@example.com",
    ],
)
def test_bad_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_email(raw)


def test_endpoints_need_https_except_loopback_outside_production() -> None:
    assert check_endpoint("https://push.example.com/abc", allow_loopback_http=False)
    assert check_endpoint("http://127.0.0.1:9000/p", allow_loopback_http=True)
    for url, allow in [
        ("http://127.0.0.1:9000/p", False),
        ("http://push.example.com/p", True),
        ("https://user:pw@push.example.com/p", True),
        ("https://push.example.com/p#x", True),
        ("ftp://push.example.com/p", True),
        ("https://push.example.com/ p", True),
    ]:
        with pytest.raises(ValueError):
            check_endpoint(url, allow_loopback_http=allow)


def test_subscription_keys_are_checked() -> None:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    good = base64.urlsafe_b64encode(point).decode()
    assert check_p256dh(good) == good.rstrip("=")
    bad_point = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode()
    for value in (bad_point, base64.urlsafe_b64encode(point[:33]).decode(), "not+base64/url"):
        with pytest.raises(ValueError):
            check_p256dh(value)
    assert check_auth(base64.urlsafe_b64encode(b"k" * 16).decode())
    with pytest.raises(ValueError):
        check_auth(base64.urlsafe_b64encode(b"k" * 15).decode())
