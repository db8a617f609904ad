"""Reminder offsets: how long before an instance's due time a reminder fires. Pure; the
API validates with it and storage computes reminder times with it."""

import re
from datetime import timedelta

_OFFSET = re.compile(r"^(\d{1,4})([mhdw])$")
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_OFFSET = timedelta(days=28)
MAX_REMINDERS = 5


def offset_parts(offset: str) -> tuple[int, str] | None:
    """'15m' -> (15, 'm'): the amount and its unit (m, h, d, w); None if not an offset."""
    match = _OFFSET.match(offset.strip().lower())
    return None if match is None else (int(match.group(1)), match.group(2))


def parse_offset(offset: str) -> timedelta:
    """'0m', '15m', '1h', '1d', '1w' -> how long before the due time to remind."""
    parts = offset_parts(offset)
    if parts is None:
        raise ValueError(
            f'Reminder "{offset}" is not an offset like "0m", "15m", "1h", "1d" or "1w"'
        )
    delta = timedelta(seconds=parts[0] * _UNIT[parts[1]])
    if delta > MAX_OFFSET:
        raise ValueError(f'Reminder "{offset}" is more than 4 weeks before the due time')
    return delta


def normalize_offsets(offsets: list[str]) -> list[str]:
    """Validated, canonical ('60m' stays '60m'), duplicates removed, earliest reminder first."""
    if len(offsets) > MAX_REMINDERS:
        raise ValueError(f"At most {MAX_REMINDERS} reminders per task")
    seen: dict[timedelta, str] = {}
    for raw in offsets:
        delta = parse_offset(raw)
        seen.setdefault(delta, raw.strip().lower())
    return [seen[d] for d in sorted(seen, reverse=True)]
