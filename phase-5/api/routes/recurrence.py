"""Previewing a rule before saving it."""

from zoneinfo import ZoneInfo

from fastapi import APIRouter

from api import series_commands as sc
from api.deps import CurrentUser
from api.errors import Invalid
from api.routes import API_V1
from api.schemas import PreviewIn, PreviewOut
from recurrence import RecurrenceError, parse_recurrence

router = APIRouter(prefix=f"{API_V1}/recurrence", tags=["recurrence"])


@router.post("/preview", response_model=PreviewOut)
async def preview(body: PreviewIn, user_id: CurrentUser) -> PreviewOut:
    """The first occurrence is `start` itself when it matches the rule (RFC 5545 DTSTART);
    `start` is local wall time in `timezone`, past or future, default now. A rule whose
    series has already ended (COUNT used up, UNTIL passed) is shown too, with `ended`
    true; creating such a series is refused."""
    del user_id  # authenticated, but a preview touches no user data
    now = sc.now_utc()
    try:
        rec = parse_recurrence(
            body.rule, timezone=body.timezone, now=now, start=body.start, allow_ended=True
        )
        occurrences = rec.preview(body.count)
    except RecurrenceError as exc:
        raise Invalid(exc.field, exc.message) from exc
    return PreviewOut(
        rrule=rec.full_rrule,
        description=rec.description,
        ended=rec.has_ended(now),
        occurrences=occurrences,
        occurrences_local=[
            o.astimezone(ZoneInfo(rec.timezone)).replace(tzinfo=None) for o in occurrences
        ],
    )
