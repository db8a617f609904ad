"""Life-cycle states stored in the tables and carried by events (`task.status`,
`series.status`). StrEnum members compare equal to their text, so rows, SQL parameters and
JSON keep the plain words."""

from enum import StrEnum


class TaskStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    DELETED = "deleted"  # a tombstone: the series slot stays taken


class SeriesStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"  # the rule has nothing left and nothing is pending
    DELETED = "deleted"

    @property
    def live(self) -> bool:
        """A workflow should be running for the series."""
        return self in (SeriesStatus.ACTIVE, SeriesStatus.PAUSED)


class ReminderStatus(StrEnum):
    PENDING = "pending"  # its job is scheduled
    CANCELLED = "cancelled"  # task completed/deleted/moved: job deleted, never sent
    SENT = "sent"  # at least one channel delivered
    FAILED = "failed"  # every channel gave up (dead-lettered)
