"""Every limit the engine enforces, in one place so the API can document them."""

from __future__ import annotations

MAX_RULE_LENGTH = 500
"""Characters in an RRULE or a phrase."""

MAX_COUNT = 1000
MAX_INTERVAL = 1000

MAX_TIMES_PER_DAY = 96
"""BYHOUR x BYMINUTE combinations: every 15 minutes around the clock, at most."""

MAX_SETPOS_VALUES = 31
"""BYSETPOS values; each one costs a scan of the whole period in dateutil."""

HORIZON_YEARS = 10
"""The next occurrence must come within this many years of the start, of the
cursor, or of the previous occurrence; otherwise the rule is too rare to be a task
(rejected when parsed; a series that reaches such a gap later simply ends)."""

SPAN_YEARS = 100
"""No single expansion (preview, a counted series) looks further ahead than this."""

MAX_PREVIEW = 1000

MAX_LEAD_TIME_DAYS = 30

MIN_YEAR = 1900
MAX_YEAR = 9000
"""Start and end dates must fall in these years; with SPAN_YEARS this keeps every
expansion far from datetime's year 9999 ceiling."""
