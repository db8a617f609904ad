"""per-user event stream: the events each user's SSE stream replays (api/event_hub.py)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per user, never pruned: its row lock orders a user's appends (seq is dense and
    # commits in seq order), and its last_seq tells a resuming client whether ids it holds
    # still exist.
    op.create_table(
        "user_event_heads",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "user_events",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        # json, not jsonb: never queried into, and the text keeps the model's key order.
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "seq"),
        # The consumer's idempotency key: a redelivered CloudEvent is refused here.
        sa.UniqueConstraint("event_id", name="uq_user_events_event_id"),
    )
    op.create_index("ix_user_events_received", "user_events", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_user_events_received", table_name="user_events")
    op.drop_table("user_events")
    op.drop_table("user_event_heads")
