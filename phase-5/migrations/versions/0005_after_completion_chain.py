"""after-completion instances are keyed by the instance they follow, not by their slot

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# An after-completion series completed early may be due on the very slot it just
# completed (every 3 days, due Friday, completed Tuesday: due Friday again), so its
# instances cannot share the fixed schedule's one-instance-per-slot key. Each is the
# successor of one earlier instance instead: at most one successor per instance.


def upgrade() -> None:
    op.add_column("tasks", sa.Column("follows_task_id", sa.Uuid(), nullable=True))
    op.drop_constraint("uq_tasks_series_occurrence", "tasks", type_="unique")
    op.create_index(
        "uq_tasks_series_occurrence",
        "tasks",
        ["series_id", "occurrence_at"],
        unique=True,
        postgresql_where=sa.text("follows_task_id IS NULL"),
    )
    op.create_index("uq_tasks_follows", "tasks", ["follows_task_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tasks_follows", table_name="tasks")
    op.drop_index("uq_tasks_series_occurrence", table_name="tasks")
    # Fails, rather than deleting anything, once two instances of a series share a slot.
    op.create_unique_constraint(
        "uq_tasks_series_occurrence", "tasks", ["series_id", "occurrence_at"]
    )
    op.drop_column("tasks", "follows_task_id")
