"""The Recurrence value object: a validated rule bound to a zone, a start and an end."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from recurrence.description import describe
from recurrence.errors import Field, RecurrenceError
from recurrence.expansion import Stop
from recurrence.limits import (
    HORIZON_YEARS,
    MAX_COUNT,
    MAX_LEAD_TIME_DAYS,
    MAX_PREVIEW,
    MAX_RULE_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    SPAN_YEARS,
)
from recurrence.mode import Mode
from recurrence.rules import Rule, Until, format_until, parse_rule
from recurrence.schedule import Expander
from recurrence.zones import load_zone, require_aware, utc_to_local

DEFAULT_LEAD_TIME = timedelta(minutes=15)
_DICT_VERSION = 1
_INDEX_SCAN_LIMIT = 5_000


@dataclass(frozen=True)
class Recurrence:
    """A validated, normalized recurrence. Build it with ``parse_recurrence``.

    Constructing it directly (or through ``from_dict``/``dataclasses.replace``) checks
    everything that does not depend on the current time and normalizes the rule text.
    """

    rrule: str
    """Canonical RRULE without ``RRULE:``, COUNT or UNTIL (those live in count/ends_at)."""
    timezone: str
    start: datetime
    """DTSTART: naive local wall time in ``timezone``, whole minutes."""
    mode: Mode = Mode.FIXED
    ends_at: datetime | None = None
    """Inclusive end, an aware UTC instant."""
    count: int | None = None
    lead_time: timedelta = DEFAULT_LEAD_TIME
    phrase: str | None = None
    _expander: Expander = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        zone = load_zone(self.timezone)
        rule = _parse_stored_rule(self.rrule)
        _set(self, "rrule", str(rule))
        _set(self, "mode", _coerce_mode(self.mode))
        _set(self, "start", _check_start(self.start))
        _set(self, "ends_at", _check_ends_at(self.ends_at))
        _check_count(self.count)
        _check_lead_time(self.lead_time)
        if self.phrase is not None and (
            not isinstance(self.phrase, str) or len(self.phrase) > MAX_RULE_LENGTH
        ):
            raise RecurrenceError(
                "rule", f"The phrase must be text of at most {MAX_RULE_LENGTH} characters"
            )
        if self.count is not None and self.ends_at is not None:
            raise RecurrenceError("count", "Give either an end date or a count, not both")
        expander = Expander(rule, self.start, zone, count=self.count, ends_at=self.ends_at)
        if self.ends_at is not None and self.ends_at < expander.start_utc:
            raise RecurrenceError("ends_at", "End date must be after the start")
        _set(self, "_expander", expander)

    @property
    def rule(self) -> Rule:
        """The parsed rule (without COUNT/UNTIL)."""
        return self._expander.rule

    @property
    def full_rrule(self) -> str:
        """The rule with its end as RFC 5545 writes it: ``...;COUNT=10`` or ``...;UNTIL=...Z``."""
        if self.count is not None:
            return f"{self.rrule};COUNT={self.count}"
        if self.ends_at is not None:
            until = Until(self.ends_at.replace(tzinfo=None), "utc")
            return f"{self.rrule};UNTIL={format_until(until)}"
        return self.rrule

    @property
    def description(self) -> str:
        ends_local = None
        if self.ends_at is not None:
            ends_local = utc_to_local(self.ends_at, self._expander.zone)
        return describe(
            self._expander.rule,
            start=self.start,
            timezone=self.timezone,
            mode=self.mode,
            count=self.count,
            ends_at_local=ends_local,
        )

    def next_after(self, cursor: datetime) -> datetime | None:
        """The first occurrence strictly after ``cursor`` (UTC), or None when the series
        has ended (COUNT, end date, or no occurrence within HORIZON_YEARS).

        In after-completion mode this is the rule's planned schedule from the start;
        the actual next due date comes from ``next_after_completion``.
        """
        walk = self._expander.following(_utc(cursor, "cursor"), 1, HORIZON_YEARS)
        return walk.instants[0] if walk.instants else None

    def has_ended(self, now: datetime) -> bool:
        """True when no occurrence is left after ``now``: COUNT used up or end date passed."""
        if self.ends_at is None and self.count is None:
            return False
        return self._expander.following(_utc(now, "now"), 1, HORIZON_YEARS).stop is Stop.ENDED

    def preview(self, n: int, after: datetime | None = None) -> list[datetime]:
        """Up to ``n`` occurrences (UTC): from the start inclusive, or strictly after ``after``.

        Fewer come back when the series ends, when an occurrence is more than
        HORIZON_YEARS after the previous one, or SPAN_YEARS past the first point looked at.
        """
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_PREVIEW:
            raise RecurrenceError("preview", f"A preview has from 0 to {MAX_PREVIEW} occurrences")
        if n == 0:
            return []
        start = None if after is None else _utc(after, "after")
        return list(self._expander.following(start, n, SPAN_YEARS).instants)

    def next_after_completion(
        self,
        completed_at: datetime,
        *,
        occurrence: datetime | None = None,
        completed_count: int | None = None,
    ) -> datetime | None:
        """The next due date once an occurrence is completed at ``completed_at``.

        Fixed mode: the first occurrence after both the completion and the completed
        ``occurrence`` (so completing early does not bring back the same occurrence).
        After-completion mode: see the package docstring; ``completed_count`` (how many
        occurrences are completed so far, this one included) is required with a COUNT.
        """
        done = _utc(completed_at, "completed_at")
        if self.mode is Mode.FIXED:
            reference = done if occurrence is None else max(done, _utc(occurrence, "occurrence"))
            return self.next_after(reference)
        if self.count is not None:
            if completed_count is None:
                raise TypeError("completed_count is required for a counted after-completion series")
            if completed_count >= self.count:
                return None
        walk = self._expander.after_completion(done)
        return walk.instants[0] if walk.instants else None

    def occurrence_index(self, occurrence: datetime) -> int | None:
        """0-based position of ``occurrence`` in the planned schedule, or None when it is
        not an occurrence (or lies beyond the first 5 000)."""
        instant = _utc(occurrence, "occurrence")
        if self.count is not None:
            found = list(self._expander.counted().instants)
        else:
            found = []
            while len(found) < _INDEX_SCAN_LIMIT and (not found or found[-1] < instant):
                after = found[-1] if found else None
                walk = self._expander.following(after, MAX_PREVIEW, SPAN_YEARS)
                found.extend(walk.instants)
                if walk.stop is not Stop.LIMIT:
                    break
        index = bisect_left(found, instant)
        return index if index < len(found) and found[index] == instant else None

    def reminder_at(self, occurrence: datetime) -> datetime:
        """When to remind about ``occurrence``: ``lead_time`` before it."""
        return _utc(occurrence, "occurrence") - self.lead_time

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe form; ``from_dict`` restores an equal Recurrence."""
        return {
            "version": _DICT_VERSION,
            "rrule": self.rrule,
            "timezone": self.timezone,
            "start": self.start.isoformat(timespec="minutes"),
            "mode": self.mode.value,
            "ends_at": None if self.ends_at is None else self.ends_at.isoformat(),
            "count": self.count,
            "lead_time_seconds": int(self.lead_time.total_seconds()),
            "phrase": self.phrase,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recurrence:
        """Rebuild from ``to_dict`` output; unknown keys are ignored, bad values raise
        RecurrenceError."""
        if not isinstance(data, Mapping):
            raise RecurrenceError("rule", "A stored recurrence must be a JSON object")
        lead = data.get("lead_time_seconds", int(DEFAULT_LEAD_TIME.total_seconds()))
        if isinstance(lead, bool) or not isinstance(lead, int):
            raise RecurrenceError("lead_time", "lead_time_seconds must be a whole number")
        return cls(
            rrule=_text(data.get("rrule"), "rule"),
            timezone=_text(data.get("timezone"), "timezone"),
            start=_stored_datetime(data.get("start"), "start"),
            mode=_coerce_mode(data.get("mode", Mode.FIXED.value)),
            ends_at=(
                None
                if data.get("ends_at") is None
                else _stored_datetime(data.get("ends_at"), "ends_at")
            ),
            count=data.get("count"),
            lead_time=timedelta(seconds=lead),
            phrase=data.get("phrase"),
        )


def _set(target: Recurrence, name: str, value: object) -> None:
    # Normalizing inside a frozen dataclass's __post_init__ needs the base setattr.
    object.__setattr__(target, name, value)


def _parse_stored_rule(text: object) -> Rule:
    if not isinstance(text, str):
        raise RecurrenceError("rule", "The rule must be text")
    rule = parse_rule(text)
    if rule.count is not None or rule.until is not None:
        raise RecurrenceError(
            "rule", "A stored rule keeps COUNT and UNTIL in count and ends_at, not in the rule"
        )
    return rule


def _coerce_mode(mode: object) -> Mode:
    try:
        return Mode(str(mode))
    except ValueError:
        raise RecurrenceError(
            "mode", f'Unknown mode "{str(mode)[:30]}": use "fixed" or "after_completion"'
        ) from None


def _check_start(start: object) -> datetime:
    if not isinstance(start, datetime) or start.tzinfo is not None:
        raise RecurrenceError("start", "The start must be a local date and time without offset")
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise RecurrenceError("start", f"The start year must be from {MIN_YEAR} to {MAX_YEAR}")
    return start.replace(second=0, microsecond=0)


def _check_ends_at(ends_at: object) -> datetime | None:
    if ends_at is None:
        return None
    if not isinstance(ends_at, datetime) or ends_at.utcoffset() is None:
        raise RecurrenceError("ends_at", "The end date must be an instant with a time zone")
    if not MIN_YEAR <= ends_at.year <= MAX_YEAR:
        raise RecurrenceError("ends_at", f"The end year must be from {MIN_YEAR} to {MAX_YEAR}")
    return ends_at.astimezone(UTC)


def _check_count(count: object) -> None:
    if count is None:
        return
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise RecurrenceError("count", f"The count must be a whole number from 1 to {MAX_COUNT}")


def _check_lead_time(lead_time: object) -> None:
    if not isinstance(lead_time, timedelta):
        raise RecurrenceError("lead_time", "The lead time must be a duration")
    if not timedelta(0) <= lead_time <= timedelta(days=MAX_LEAD_TIME_DAYS):
        raise RecurrenceError(
            "lead_time", f"The lead time must be from 0 to {MAX_LEAD_TIME_DAYS} days"
        )
    if lead_time.microseconds:
        raise RecurrenceError("lead_time", "The lead time must be whole seconds")


def _utc(value: datetime, name: str) -> datetime:
    try:
        return require_aware(value, name).astimezone(UTC)
    except OverflowError:
        # Within a day of datetime.min/max: no occurrence is that close, so the far end
        # of the representable range answers the same.
        edge = datetime.max if value.year > 1 else datetime.min
        return edge.replace(tzinfo=UTC)


def _text(value: object, name: Field) -> str:
    if not isinstance(value, str):
        raise RecurrenceError(name, f"The stored {name} must be text")
    return value


def _stored_datetime(value: object, name: Field) -> datetime:
    if not isinstance(value, str):
        raise RecurrenceError(name, f"The stored {name} must be an ISO 8601 date-time")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise RecurrenceError(name, f"The stored {name} is not an ISO 8601 date-time") from None
