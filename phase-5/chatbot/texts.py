"""What the tools answer: short plain text a language model can relay as it is. Times are
shown in the series' own zone (the user's wall clock) with the zone named."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def when(iso: str | None, timezone: str | None = None) -> str:
    if not iso:
        return "no due date"
    at = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    zone = timezone or "UTC"
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%a %d %b %Y %H:%M} ({zone})"


def series_line(s: dict[str, Any], upcoming: int = 3) -> str:
    tz = s.get("timezone")
    nexts = [when(at, tz) for at in (s.get("next_occurrences") or [])[:upcoming]]
    if s.get("status") == "paused":
        ahead = "; paused; nothing upcoming until resumed"
    elif s.get("mode") == "after_completion" and s.get("status") == "active":
        ahead = "; the next one is due an interval after the pending one is completed"
    else:
        ahead = "; next: " + ", ".join(nexts) if nexts else "; nothing upcoming"
    return (
        f'- "{s["title"]}" (series {s["series_id"]}, {s["status"]}): '
        f"{s.get('rule_description') or s.get('rrule')}{ahead}"
    )


def task_line(t: dict[str, Any], timezone: str | None = None) -> str:
    edited = ", edited" if t.get("is_exception") else ""
    return (
        f'- "{t["title"]}" due {when(t.get("due_at"), timezone)} '
        f"(task {t['task_id']}, {t['status']}{edited})"
    )


def preview_text(p: dict[str, Any], timezone: str) -> str:
    occ = [when(at, timezone) for at in p.get("occurrences", [])]
    listed = "\n".join(f"- {o}" for o in occ) or "- (none)"
    return f"{p['description']} (RRULE {p['rrule']}). Next occurrences:\n{listed}"
