"""What a reminder says, rendered once for every channel. Pure: no I/O, no clock."""

import html
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts.events import ReminderDue
from recurrence.offsets import offset_parts

_UNITS = {"m": "minute", "h": "hour", "d": "day", "w": "week"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class ReminderContent:
    subject: str
    text: str
    html: str
    push_title: str
    push_body: str
    url: str
    due_line: str


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_line(due_at: datetime, tz_name: str) -> str:
    """'Due Tue 1 Dec 2026, 10:00 (America/New_York)': the wall clock of the user's zone."""
    tz = zone(tz_name)
    local = due_at.astimezone(tz)
    return f"Due {local:%a} {local.day} {local:%b %Y, %H:%M} ({tz.key})"


def when_phrase(offset: str) -> str:
    """'0m' -> 'due now', '1h' -> 'due in 1 hour', '2d' -> 'due in 2 days'."""
    parts = offset_parts(offset)
    if parts is None:
        return "reminder"
    amount, unit = parts[0], _UNITS[parts[1]]
    if amount == 0:
        return "due now"
    return f"due in {amount} {unit}{'' if amount == 1 else 's'}"


def _one_line(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()


def render(reminder: ReminderDue, public_base_url: str) -> ReminderContent:
    title = _one_line(reminder.title)
    url = f"{public_base_url.rstrip('/')}/tasks/{reminder.task_id}"
    due = due_line(reminder.due_at, reminder.timezone)
    when = when_phrase(reminder.offset)
    subject = f"Reminder: {title} ({when})"
    lines = [f"Reminder: {title}", "", f"{due}.", ""]
    if reminder.description:
        lines += [reminder.description.strip(), ""]
    lines += [f"Open the task: {url}", "", "You receive this because reminders are on for it."]
    esc = html.escape
    description = (
        f"<p>{esc(reminder.description.strip()).replace(chr(10), '<br>')}</p>"
        if reminder.description
        else ""
    )
    body_html = (
        "<!doctype html><html><body>"
        f"<h2>Reminder: {esc(title)}</h2>"
        f"<p><strong>{esc(due)}</strong> &middot; {esc(when)}</p>"
        f"{description}"
        f'<p><a href="{esc(url, quote=True)}">Open the task</a></p>'
        "</body></html>"
    )
    return ReminderContent(
        subject=subject,
        text="\n".join(lines) + "\n",
        html=body_html,
        push_title=title,
        push_body=f"{due} ({when})",
        url=url,
        due_line=due,
    )
