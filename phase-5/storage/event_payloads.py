"""Rows as events carry them: the one mapping from tables to the contract's models."""

from contracts.events import SeriesData, TaskData
from storage.tables import RecurringSeries, Task


def task_payload(task: Task) -> TaskData:
    return TaskData(
        task_id=task.task_id,
        series_id=task.series_id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        due_date=task.due_date,
        occurrence_at=task.occurrence_at,
        status=task.status,
        is_exception=task.is_exception,
        is_recurring=task.is_recurring,
        completed_at=task.completed_at,
    )


def series_payload(series: RecurringSeries) -> SeriesData:
    return SeriesData(
        series_id=series.series_id,
        title=series.title,
        status=series.status,
        rrule=series.recurrence_pattern,
        timezone=series.timezone,
        mode=series.mode,
        ends_at=series.recurrence_end_date,
    )
