"""IANA time zones and the DST policy for local wall times.

Policy (PEP 495 ``fold=0``):
- a local time that does not exist (spring forward) moves forward by the gap:
  02:30 on the spring-forward day in New York is 03:30 EDT;
- a local time that occurs twice (fall back) means the first one (daylight time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from recurrence.errors import RecurrenceError

_MAX_ZONE_NAME = 64
# Spellings people and chatbots send for UTC; the IANA key is case-sensitive on disk.
_UTC_ALIASES = {"utc", "z", "zulu", "gmt", "etc/utc", "universal"}


def load_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or RecurrenceError(field="timezone"). `utc`, `Z`,
    `GMT` and the like are UTC (its key is then "UTC")."""
    if not isinstance(name, str):
        raise RecurrenceError("timezone", "The time zone must be an IANA name such as UTC")
    if name.lower() in _UTC_ALIASES:
        name = "UTC"
    return _load_zone(name)


@lru_cache(maxsize=512)
def _load_zone(name: str) -> ZoneInfo:
    unknown = RecurrenceError(
        "timezone",
        f'Unknown time zone "{name[:_MAX_ZONE_NAME]}"; use an IANA name such as America/New_York',
    )
    # ZoneInfo treats the key as a path; refuse anything that is not a plain zone name.
    if (
        not name
        or len(name) > _MAX_ZONE_NAME
        or name != name.strip()
        or name.startswith("/")
        or ".." in name.split("/")
        or "\\" in name
        or "\x00" in name
        or name.lower() == "localtime"
    ):
        raise unknown
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise unknown from exc


def to_utc(local: datetime, timezone: str) -> datetime:
    """The UTC instant of a local wall time in ``timezone`` (gap -> forward, fold -> first).

    An aware datetime is already an instant and is only converted to UTC.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local_to_utc(local, load_zone(timezone))


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 picks the offset in force before a transition: for a gap that pushes the
    # wall time forward by the gap, for a repeated hour it is the first pass.
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def utc_to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall time of an aware instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def is_nonexistent(local: datetime, zone: ZoneInfo) -> bool:
    """True when the wall clock skips ``local`` (it lies in a spring-forward gap)."""
    return utc_to_local(local_to_utc(local, zone), zone) != local


def is_ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """True when the wall clock shows ``local`` twice (fall back)."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_nonexistent(local, zone)


def require_aware(value: datetime, name: str) -> datetime:
    """Instants crossing the API must carry their offset; a naive one is a caller bug."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise TypeError(f"{name} must be a timezone-aware datetime")
    return value
