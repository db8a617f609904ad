"""The recurrence engine's pure domain: rules, phrases, time zones and expansion.

No I/O and no clock: the current time is always an argument. Imports only the
standard library and python-dateutil.

Public surface
--------------
``parse_recurrence`` turns a phrase or an RRULE into a ``Recurrence``;
``Recurrence.next_after``, ``.preview``, ``.next_after_completion`` expand it;
``compile_phrase`` shows the RRULE a phrase stands for; ``to_utc`` applies the DST
policy; every bad input raises ``RecurrenceError`` (a ValueError) naming its field.

Semantics
---------
Local wall time. Occurrences are expanded in the series' IANA zone as naive wall times
and converted to UTC one by one, so 10:00 stays 10:00 local across DST changes. A wall
time that does not exist (spring forward) moves forward by the gap (02:30 -> 03:30 EDT);
one that occurs twice (fall back) is the first (daylight) one. Two wall times that land
on one instant count as one occurrence. UNTIL in UTC (``...Z``) is compared as an
instant; UNTIL without Z is local wall time; an UNTIL date includes that whole local day.

DTSTART. ``start`` is DTSTART: whole minutes of local wall time; without one, a fixed
phrase that names no time of day starts at the next 09:00 local (DEFAULT_TIME_OF_DAY,
today or tomorrow), anything else at ``now``. It is the first
occurrence when it matches the rule. Parts the rule leaves out come from it, as RFC 5545
says: the time of day (unless BYHOUR/BYMINUTE), the weekday of a WEEKLY rule, the day of
a MONTHLY rule, the month and day of a YEARLY one. A MONTHLY rule started on the 31st
skips shorter months (RFC 5545); write "monthly on the last day" for month ends.

Fixed mode. Occurrences follow the rule whatever happens. ``next_after_completion``
returns the first occurrence after both the completion and the completed occurrence.

After-completion mode ("every 3 days after I finish"). The rule is re-anchored at the
completion: its DTSTART becomes the completion's local date at the series' time of
day, and the parts left to DTSTART (weekday, day of month, month) come from that date.
The next due date is the first occurrence in the period INTERVAL x FREQ after the
period (day; week starting on WKST; month; year) holding the completion. So
FREQ=DAILY;INTERVAL=3 with a 09:00 start, completed Tuesday at 18:00 (or 08:00), is
due Friday 09:00; "every 2 weeks" completed on a Wednesday is due on the Wednesday two
weeks later; "monthly" completed on 31 January is due on the last day of February
(after-completion days of month past the 28th fall back to the month's last day);
"yearly on April 15" completed in February is due April 15 next year; "every weekday"
completed on Tuesday is due next Monday (the next period is next week). Completed early,
the same holds (Todoist's convention): "every 3 days" due Friday and completed Tuesday is
due Friday again, "every day" would be Wednesday (planning.py). The end date
still applies; with a COUNT the caller passes how many are completed. ``preview`` and
``next_after`` show the rule's planned schedule from the start in both modes.

Bounds. An expansion looks at most HORIZON_YEARS (10) past its starting point or past
the previous occurrence, and at most SPAN_YEARS (100) in all, with a matching cap on
dateutil's iteration steps; no input makes a call run long. ``parse_recurrence``
rejects a rule whose first occurrence is more than 10 years after its start, that has
no occurrence in the 10 years after now, whose next gap after the upcoming occurrence
is over 10 years, or whose COUNT is not reached within 100 years; a series that meets
such a gap later simply ends (``next_after`` returns None). Limits: 500 characters,
COUNT <= 1000, 1 <= INTERVAL <= 1000, at most 96 times a day, BYSETPOS at most 31
values, start and end in years 1900-9000 and the start at most 10 years ahead, lead
time 0-30 days, preview at most 1000; ``occurrence_index`` looks at the first 5000.

Description. "Every Monday, Wednesday and Friday at 10:00 (America/New_York)": the
effective schedule (defaults read from the start), 24-hour times, then ", counted from
each completion", ", 10 times" or ", until 2026-12-31 09:00" (local), then the zone.
"""

from recurrence.errors import RecurrenceError
from recurrence.limits import HORIZON_YEARS, MAX_COUNT, MAX_INTERVAL, MAX_RULE_LENGTH, SPAN_YEARS
from recurrence.mode import Mode
from recurrence.model import DEFAULT_LEAD_TIME, Recurrence
from recurrence.parsing import parse_recurrence
from recurrence.phrases import compile_phrase
from recurrence.zones import to_utc

__all__ = [
    "DEFAULT_LEAD_TIME",
    "HORIZON_YEARS",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "MAX_RULE_LENGTH",
    "SPAN_YEARS",
    "Mode",
    "Recurrence",
    "RecurrenceError",
    "compile_phrase",
    "parse_recurrence",
    "to_utc",
]
