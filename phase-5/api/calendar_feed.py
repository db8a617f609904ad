"""The user's tasks as one iCalendar document (RFC 5545), built with `icalendar`.

A fixed-schedule series is one VEVENT with its RRULE in its own zone (VTIMEZONE added):
- DTSTART is the first occurrence the series really has (its earliest task on the rule, or
  its next occurrence when none is materialized), never the rule's raw start, which may
  not be an occurrence and may lie years back;
- every occurrence of the rule up to the series' frontier (its latest materialized
  occurrence or `skip_until`, the point after which the engine creates the next one) that
  has no live task is an EXDATE: skipped, deleted, or passed over on resume;
- an edited instance is a RECURRENCE-ID override carrying its own title and due time;
- a paused or deleted series ends at its frontier (UNTIL), so nothing is shown ahead;
- COUNT is written as the equivalent UNTIL, since DTSTART may be later than the rule's.
What the rule cannot express stays a plain VEVENT of its own: one-off tasks with a due
date, instances of after-completion series, instances left from a rule since replaced.
Occurrences are points in time: a VEVENT has a DTSTART and no end (RFC 5545 3.6.1)."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from contracts.status import SeriesStatus, TaskStatus
from recurrence import Recurrence
from recurrence.mode import Mode

PRODID = "-//todo-chatbot//recurrence engine//EN"
# An EXDATE list longer than this means the frontier is far from DTSTART with nothing
# materialized in between, which a real series never does; the scan stops there.
MAX_SCANNED_OCCURRENCES = 5000
_CHUNK = 200


@dataclass(frozen=True)
class FeedTask:
    task_id: uuid.UUID
    series_id: uuid.UUID | None
    title: str
    description: str | None
    due_at: datetime | None
    occurrence_at: datetime | None
    status: str  # pending | completed | deleted
    is_exception: bool
    updated_at: datetime | None


@dataclass(frozen=True)
class FeedSeries:
    series_id: uuid.UUID
    title: str
    description: str | None
    status: str  # active | paused | completed | deleted
    recurrence: Recurrence
    skip_until: datetime | None
    updated_at: datetime | None


def _occurrences_until(rec: Recurrence, first: datetime, last: datetime) -> list[datetime]:
    """The rule's occurrences from `first` to `last`, both included (bounded scan)."""
    found = [first]
    while found[-1] < last and len(found) < MAX_SCANNED_OCCURRENCES:
        chunk = rec.preview(_CHUNK, after=found[-1])
        if not chunk:
            break
        found.extend(at for at in chunk if at <= last)
        if chunk[-1] >= last:
            break
    return found


def _event(
    uid: str, title: str, description: str | None, start: datetime, stamp: datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", title)
    if description:
        event.add("description", description)
    event.add("dtstart", start)
    return event


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def _series_events(
    series: FeedSeries, tasks: Sequence[FeedTask], stamp: datetime, now: datetime
) -> list[Event]:
    """The series' VEVENT and its overrides, plus stand-alone events for the tasks the rule
    does not describe."""
    rec = series.recurrence
    live = [t for t in tasks if t.status != TaskStatus.DELETED]
    if rec.mode is not Mode.FIXED:
        return [_task_event(t, stamp) for t in live]
    zone = ZoneInfo(rec.timezone)
    on_rule = {t.occurrence_at: t for t in tasks if t.occurrence_at and _is_occurrence(rec, t)}
    frontier_candidates = [at for at in on_rule if at is not None]
    if series.skip_until is not None:
        frontier_candidates.append(series.skip_until)
    frontier = max(frontier_candidates, default=None)
    first = min(on_rule, default=None)
    if first is None:
        upcoming = rec.preview(1, after=(frontier or now - timedelta(minutes=1)))
        first = upcoming[0] if upcoming else None
    elsewhere = [t for t in live if t.occurrence_at not in on_rule]
    out = [_task_event(t, stamp) for t in elsewhere]
    if first is None:
        return out
    uid = f"series-{series.series_id}@todo"
    main = _event(uid, series.title, series.description, _local(first, zone), stamp)
    rule = vRecur.from_ical(rec.rrule)
    ends: list[datetime] = []
    if rec.count is not None:
        counted = rec.preview(rec.count)
        if counted:
            ends.append(counted[-1])
    if rec.ends_at is not None:
        ends.append(rec.ends_at)
    if (
        series.status in (SeriesStatus.PAUSED, SeriesStatus.DELETED, SeriesStatus.COMPLETED)
        and frontier is not None
    ):
        ends.append(frontier)
    if ends:
        rule["UNTIL"] = min(ends)
    main.add("rrule", rule)
    if series.updated_at is not None:
        main.add("last-modified", series.updated_at)
    excluded: list[datetime] = []
    overrides: list[Event] = []
    if frontier is not None and frontier >= first:
        for at in _occurrences_until(rec, first, frontier):
            task = on_rule.get(at)
            if task is None or task.status == TaskStatus.DELETED:
                excluded.append(at)
            elif task.is_exception:
                overrides.append(_override(uid, task, at, zone, stamp))
    if excluded:  # DTSTART itself may be among them: RFC 5545 allows excluding it.
        main.add("exdate", [_local(at, zone) for at in excluded])
    return [main, *overrides, *out]


def _is_occurrence(rec: Recurrence, task: FeedTask) -> bool:
    assert task.occurrence_at is not None
    before = rec.preview(1, after=task.occurrence_at - timedelta(seconds=1))
    return bool(before) and before[0] == task.occurrence_at


def _override(uid: str, task: FeedTask, at: datetime, zone: ZoneInfo, stamp: datetime) -> Event:
    start = task.due_at or at
    event = _event(uid, task.title, task.description, _local(start, zone), stamp)
    event.add("recurrence-id", _local(at, zone))
    if task.updated_at is not None:
        event.add("last-modified", task.updated_at)
    return event


def _task_event(task: FeedTask, stamp: datetime) -> Event:
    assert task.due_at is not None
    return _event(f"task-{task.task_id}@todo", task.title, task.description, task.due_at, stamp)


def build_feed(
    series: Iterable[FeedSeries],
    tasks: Iterable[FeedTask],
    *,
    now: datetime,
    name: str = "Tasks",
) -> bytes:
    """The calendar for one user's series and tasks (deleted ones included as tombstones,
    which become EXDATEs)."""
    by_series: dict[uuid.UUID, list[FeedTask]] = {}
    one_offs: list[FeedTask] = []
    for task in tasks:
        if task.series_id is None:
            if task.status != TaskStatus.DELETED and task.due_at is not None:
                one_offs.append(task)
        else:
            by_series.setdefault(task.series_id, []).append(task)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    # Subscribers poll; tell them how often is sensible.
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for s in series:
        owned = [t for t in by_series.get(s.series_id, []) if t.due_at is not None]
        for event in _series_events(s, owned, now, now):
            cal.add_component(event)
    for task in one_offs:
        cal.add_component(_task_event(task, now))
    # VTIMEZONE transitions from the earliest event on, ten years ahead (the library's
    # default stops at 2038).
    starts = [e.decoded("dtstart") for e in cal.walk("VEVENT")]
    earliest = min((d.date() for d in starts), default=now.date())
    cal.add_missing_timezones(
        first_date=min(earliest, now.date()), last_date=now.date() + timedelta(days=3660)
    )
    return bytes(cal.to_ical())
