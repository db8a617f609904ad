"""Splitting a series at one occurrence ("this and following"), calendar style: the old
series ends just before it, a new one with the same rule starts at it. Pure."""

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recurrence.model import Recurrence

# The old series' end: one second before the split occurrence, so it is the last one out.
_BEFORE = timedelta(seconds=1)


def end_before(occurrence: datetime) -> datetime:
    """The end date that makes the occurrence before `occurrence` a series' last."""
    return occurrence - _BEFORE


def following(rec: Recurrence, occurrence: datetime) -> Recurrence:
    """The rule of the series split off at `occurrence`: the same rule started at the
    occurrence's local wall time (so DST keeps the local time), with the same end; a
    COUNT keeps only the occurrences not yet used by the old series (at least one)."""
    index = rec.occurrence_index(occurrence) or 0
    return dataclasses.replace(
        rec,
        start=occurrence.astimezone(ZoneInfo(rec.timezone)).replace(tzinfo=None),
        count=None if rec.count is None else max(1, rec.count - index),
    )
