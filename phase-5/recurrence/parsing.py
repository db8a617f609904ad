"""parse_recurrence: user input (a phrase or an RRULE, plus options) -> a Recurrence.

Everything that depends on the current time is checked here, against the ``now``
argument: the end date must be in the future, the start must not be too far ahead, and
the series must still have an upcoming occurrence no further than HORIZON_YEARS away.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from recurrence.errors import Field, RecurrenceError
from recurrence.expansion import Stop, plus_years
from recurrence.limits import HORIZON_YEARS, MAX_COUNT, MAX_YEAR, MIN_YEAR
from recurrence.mode import Mode
from recurrence.model import DEFAULT_LEAD_TIME, Recurrence
from recurrence.phrases import parse_phrase
from recurrence.rules import Until, looks_like_rrule, parse_rule
from recurrence.zones import load_zone, local_to_utc, require_aware, utc_to_local

DEFAULT_TIME_OF_DAY = time(9, 0)
"""The local time of a fixed-schedule phrase that names none ("every Monday") when no start
is given."""
_EXAMPLES = 'a phrase such as "every Monday at 9am" or an RRULE such as FREQ=WEEKLY;BYDAY=MO'


def parse_recurrence(
    rule: str,
    *,
    timezone: str,
    now: datetime,
    start: datetime | None = None,
    mode: Mode | str | None = None,
    ends_at: datetime | None = None,
    count: int | None = None,
    lead_time: timedelta = DEFAULT_LEAD_TIME,
    allow_ended: bool = False,
) -> Recurrence:
    """Validate and normalize a rule or phrase into a Recurrence.

    A series to create must still have an occurrence after ``now``; with ``allow_ended``
    (a preview, which only shows what the rule means) a series whose COUNT is used up or
    whose end date has passed is valid too: ``Recurrence.has_ended(now)`` tells.

    ``start`` is naive local wall time in ``timezone`` or an aware instant; by default
    ``now`` in local time, truncated to the minute. ``ends_at`` naive is local wall
    time, aware is an instant. ``mode`` None means the phrase's ("every 3 days after I
    finish") or else fixed. COUNT/UNTIL may come in the rule or as ``count``/``ends_at``.
    """
    now = require_aware(now, "now").astimezone(UTC)
    if not MIN_YEAR <= now.year <= MAX_YEAR:
        raise ValueError(f"now must fall in the years {MIN_YEAR} to {MAX_YEAR}")
    zone = load_zone(timezone)
    if not isinstance(rule, str) or not rule.strip():
        raise RecurrenceError("rule", f"The rule is empty; write {_EXAMPLES}")
    text = rule.strip()
    phrase_mode: Mode | None = None
    phrase: str | None = None
    if looks_like_rrule(text):
        parsed = parse_rule(text)
    else:
        compiled = parse_phrase(text)
        parsed = parse_rule(compiled.rrule)
        phrase, phrase_mode = text, compiled.mode
    if (
        start is None
        and phrase is not None
        and not parsed.byhour
        and _merge_mode(mode, phrase_mode) is Mode.FIXED
    ):
        start = _default_start(now, zone)
    local_start = _local_start(start, now, timezone)
    final_count = _merge_count(parsed.count, count)
    final_end = _merge_end(parsed.until, ends_at, timezone)
    if final_count is not None and final_end is not None:
        raise RecurrenceError("count", "Give either an end date or a count, not both")
    if final_end is not None and final_end <= now and not allow_ended:
        raise RecurrenceError("ends_at", "End date must be in the future")
    recurrence = Recurrence(
        rrule=str(parsed.without_end()),
        timezone=zone.key,
        start=local_start,
        mode=_merge_mode(mode, phrase_mode),
        ends_at=final_end,
        count=final_count,
        lead_time=lead_time,
        phrase=phrase,
    )
    _check_occurrences(recurrence, now, allow_ended)
    return recurrence


def _default_start(now: datetime, zone: ZoneInfo) -> datetime:
    """A phrase without a time of day ("every Monday") means a stated time, not the minute
    the series happened to be created: the first DEFAULT_TIME_OF_DAY (local) from now on.
    Never earlier than now, so a COUNT counts only occurrences still to come. (After
    completion keeps the creation minute: its first instance is due at once.)"""
    local_now = utc_to_local(now, zone)
    start = datetime.combine(local_now.date(), DEFAULT_TIME_OF_DAY)
    return (
        start if start >= local_now.replace(second=0, microsecond=0) else start + timedelta(days=1)
    )


def _local_start(start: datetime | None, now: datetime, timezone: str) -> datetime:
    zone = load_zone(timezone)
    if start is None:
        local = utc_to_local(now, zone)
    elif not isinstance(start, datetime):
        raise RecurrenceError("start", "The start must be a date and time")
    elif start.tzinfo is not None:
        if not MIN_YEAR <= start.year <= MAX_YEAR:
            raise RecurrenceError("start", f"The start year must be from {MIN_YEAR} to {MAX_YEAR}")
        local = utc_to_local(start, zone)
    else:
        local = start
    local = local.replace(second=0, microsecond=0)
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        raise RecurrenceError("start", f"The start year must be from {MIN_YEAR} to {MAX_YEAR}")
    if local > plus_years(utc_to_local(now, zone), HORIZON_YEARS):
        raise RecurrenceError("start", f"The start must be within {HORIZON_YEARS} years from now")
    return local


def _merge_count(in_rule: int | None, given: int | None) -> int | None:
    if given is not None and (
        isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= MAX_COUNT
    ):
        raise RecurrenceError("count", f"The count must be a whole number from 1 to {MAX_COUNT}")
    if in_rule is not None and given is not None and in_rule != given:
        raise RecurrenceError(
            "count", f"The count is given twice: COUNT={in_rule} in the rule and {given}"
        )
    return given if given is not None else in_rule


def _merge_end(in_rule: Until | None, given: datetime | None, timezone: str) -> datetime | None:
    from_rule = None if in_rule is None else _until_instant(in_rule, timezone)
    from_argument = None if given is None else _end_instant(given, timezone)
    if from_rule is not None and from_argument is not None and from_rule != from_argument:
        raise RecurrenceError("ends_at", "The end date is given twice, in UNTIL and as ends_at")
    return from_argument or from_rule


def _until_instant(until: Until, timezone: str) -> datetime:
    zone = load_zone(timezone)
    if until.kind == "utc":
        return until.value.replace(tzinfo=UTC)
    if until.kind == "date":
        # A date is inclusive: the whole local day.
        return local_to_utc(datetime.combine(until.value.date(), time(23, 59, 59)), zone)
    return local_to_utc(until.value, zone)


def _end_instant(ends_at: datetime, timezone: str) -> datetime:
    if not isinstance(ends_at, datetime):
        raise RecurrenceError("ends_at", "The end date must be a date and time")
    if not MIN_YEAR <= ends_at.year <= MAX_YEAR:
        raise RecurrenceError("ends_at", f"The end year must be from {MIN_YEAR} to {MAX_YEAR}")
    if ends_at.tzinfo is not None:
        return ends_at.astimezone(UTC)
    return local_to_utc(ends_at, load_zone(timezone))


def _merge_mode(mode: Mode | str | None, from_phrase: Mode | None) -> Mode:
    if mode is None:
        return from_phrase or Mode.FIXED
    try:
        chosen = Mode(mode)
    except ValueError:
        raise RecurrenceError(
            "mode", f'Unknown mode "{str(mode)[:30]}": use "fixed" or "after_completion"'
        ) from None
    if from_phrase is not None and chosen is not from_phrase:
        raise RecurrenceError(
            "mode", f'The phrase counts from completion but the mode is "{chosen.value}"'
        )
    return chosen


def _check_occurrences(recurrence: Recurrence, now: datetime, allow_ended: bool) -> None:
    """Reject a series with no upcoming occurrence (unless ``allow_ended``), or one too
    rare to be a task."""
    expander = recurrence._expander
    local = expander.start.strftime("%Y-%m-%d %H:%M")
    first = expander.following(None, 1, HORIZON_YEARS)
    if not first.instants:
        if first.stop is Stop.ENDED:
            raise RecurrenceError("ends_at", "The rule has no occurrence before its end date")
        raise RecurrenceError(
            "rule",
            f"The rule never occurs within {HORIZON_YEARS} years of its start ({local}); "
            f"a recurring task must occur at least once every {HORIZON_YEARS} years",
        )
    upcoming = first.instants[0]
    if upcoming <= now:
        following = expander.following(now, 1, HORIZON_YEARS)
        if not following.instants:
            if following.stop is Stop.ENDED:
                if allow_ended:
                    _check_gaps(recurrence, first.instants[0])
                    return
                field: Field = "count" if recurrence.count is not None else "ends_at"
                raise RecurrenceError(field, "The series has already ended: no occurrence is left")
            raise RecurrenceError(
                "rule", f"The rule has no occurrence within {HORIZON_YEARS} years from now"
            )
        upcoming = following.instants[0]
    _check_gaps(recurrence, upcoming)


def _check_gaps(recurrence: Recurrence, upcoming: datetime) -> None:
    expander = recurrence._expander
    later = expander.following(upcoming, 1, HORIZON_YEARS)
    if not later.instants and later.stop in (Stop.GAP, Stop.SPAN):
        shown = utc_to_local(upcoming, expander.zone).strftime("%Y-%m-%d")
        raise RecurrenceError(
            "rule",
            f"The rule occurs too rarely: after {shown} the next occurrence is more than "
            f"{HORIZON_YEARS} years away",
        )
    if recurrence.count is not None:
        counted = expander.counted()
        if len(counted.instants) < recurrence.count and counted.stop in (Stop.GAP, Stop.SPAN):
            raise RecurrenceError(
                "count",
                f"The series cannot reach COUNT={recurrence.count}: its occurrences stop "
                f"being at most {HORIZON_YEARS} years apart or run past 100 years",
            )
