"""Tables of the notification side (migration 0002): the channels users register through
todo-api and one delivery record per (reminder, channel) written by notification-service.

The delivery row is the idempotency key of a notification: a redelivered `v1.reminder.due`
event, a second replica or a restarted process all meet the same primary key, and a row is
claimed (status 'sending' with a lease) before anything goes out."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from storage.tables import timestamp_field


class NotificationEmail(SQLModel, table=True):
    """At most one address per user; PUT replaces it."""

    __tablename__ = "notification_emails"

    user_id: str = Field(primary_key=True, max_length=128)
    address: str = Field(max_length=254)
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    updated_at: datetime | None = timestamp_field(nullable=False, default_now=True)


class PushSubscription(SQLModel, table=True):
    """One row per browser/device (a PushSubscription of the W3C Push API), keyed by endpoint
    within a user. Removed when the push service answers 404/410."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "endpoint", name="uq_push_user_endpoint"),)

    subscription_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: str = Field(max_length=128)
    endpoint: str = Field(sa_column=Column(Text, nullable=False))
    p256dh: str = Field(max_length=128)
    auth: str = Field(max_length=64)
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    updated_at: datetime | None = timestamp_field(nullable=False, default_now=True)


class NotificationDelivery(SQLModel, table=True):
    """One notification of one reminder on one channel ('email' or 'push').

    status: pending -> sending -> sent | failed (dead-lettered) | cancelled | gone (no target
    left: address removed, every push subscription expired). A 'sending' row is leased:
    `next_attempt_at` is then the lease expiry, after which another worker may take it over;
    for a 'pending' row it is when the next attempt is due. `attempts` doubles as the fencing
    token: an outcome is only recorded by the claim that made that attempt."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        # The worker's only scan: rows needing attention, soonest first.
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_deliveries_user", "user_id", "created_at"),
    )

    reminder_id: uuid.UUID = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(max_length=128)
    task_id: uuid.UUID
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    scheduled_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    next_attempt_at: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = timestamp_field()
    # Push endpoints already served by an earlier attempt of this delivery (never resent).
    delivered_to: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    )
    # The event's data, so a restarted worker can render the message without the event.
    reminder: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = timestamp_field()
    dead_lettered_at: datetime | None = timestamp_field()
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    updated_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    # The W3C trace context of the span that wrote the row (storage/trace_context.py).
    traceparent: str | None = Field(default=None, max_length=64)


__all__ = ["NotificationDelivery", "NotificationEmail", "PushSubscription"]
