"""outbox rows keep the order they were written in: one transaction's events share created_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:00:00
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # now() is the transaction's start, so a series.created and the task.created written
    # with it tie on created_at; the identity breaks the tie in insert order (a random
    # event_id did not). Existing rows are numbered as the table is rewritten.
    op.execute("ALTER TABLE outbox ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY")
    op.execute("DROP INDEX IF EXISTS ix_outbox_unsent")
    op.execute("CREATE INDEX ix_outbox_unsent ON outbox (created_at, seq) WHERE sent_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_outbox_unsent")
    op.execute("ALTER TABLE outbox DROP COLUMN seq")
    op.execute("CREATE INDEX ix_outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL")
