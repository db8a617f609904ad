"""How a series schedules its next occurrence."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    FIXED = "fixed"
    """Occurrences follow the rule whenever the task is completed."""
    AFTER_COMPLETION = "after_completion"
    """The next due date is counted from the completion of the previous one."""
