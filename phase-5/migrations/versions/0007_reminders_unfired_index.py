"""reminders not fired yet, by time: the engine's reminder sweep reads them every 30 s

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:45:00
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_reminders_unfired ON reminders (scheduled_time) "
        "WHERE status = 'pending' AND fired_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_reminders_unfired")
