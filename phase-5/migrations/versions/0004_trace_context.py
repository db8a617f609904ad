"""trace context (W3C traceparent) on rows that outlive their request

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 11:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Nullable, no default: adding them rewrites nothing, and rows written before (or by a
# process without tracing) simply start a new trace when they are acted on.
_TABLES = ("outbox", "reminders", "notification_deliveries")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("traceparent", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "traceparent")
