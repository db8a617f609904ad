"""The private calendar feed: create / rotate / revoke its URL (bearer-authenticated), and
the feed itself, authenticated by the secret token in its URL only (calendar apps that
subscribe to a URL send no Authorization header)."""

import hashlib
import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlmodel import col, select

from api import series_commands as sc
from api.calendar_feed import FeedSeries, FeedTask, build_feed
from api.contract import responses
from api.deps import CurrentUser, RuntimeDep, SessionDep
from api.errors import NotFound
from api.routes import API_V1
from api.schemas import UtcDateTime
from storage.calendar_tables import CalendarFeed
from storage.instances import recurrence_of
from storage.tables import RecurringSeries, Task

router = APIRouter(prefix=API_V1, tags=["calendar"])
TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]; anything else is not a token.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class CalendarFeedInfo(BaseModel):
    active: bool
    created_at: UtcDateTime | None = None
    last_fetched_at: UtcDateTime | None = None


class CalendarFeedCreated(BaseModel):
    url: str = Field(description="the private feed URL; shown once, only its hash is stored")
    created_at: UtcDateTime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _feed_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{API_V1}/calendar/{token}.ics"


async def _issue(session: SessionDep, user_id: str, base_url: str) -> CalendarFeedCreated:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = sc.now_utc()
    await session.execute(
        text(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (:u, :h, :t) "
            "ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, "
            "created_at = EXCLUDED.created_at, last_fetched_at = NULL"
        ),
        {"u": user_id, "h": _hash(token), "t": now},
    )
    return CalendarFeedCreated(url=_feed_url(base_url, token), created_at=now)


@router.get("/me/calendar", response_model=CalendarFeedInfo)
async def get_calendar_feed(user_id: CurrentUser, session: SessionDep) -> CalendarFeedInfo:
    """Whether the user has a feed URL (the URL itself cannot be shown again)."""
    feed = await session.get(CalendarFeed, user_id)
    if feed is None:
        return CalendarFeedInfo(active=False)
    return CalendarFeedInfo(
        active=True, created_at=feed.created_at, last_fetched_at=feed.last_fetched_at
    )


@router.post("/me/calendar", status_code=201, response_model=CalendarFeedCreated)
async def create_calendar_feed(
    user_id: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> CalendarFeedCreated:
    """A new private feed URL; an existing one stops working (same as rotate)."""
    return await _issue(session, user_id, runtime.settings.public_base_url)


@router.post("/me/calendar/rotate", response_model=CalendarFeedCreated, responses=responses(404))
async def rotate_calendar_feed(
    user_id: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> CalendarFeedCreated:
    """Replaces the feed URL: subscribers of the old one get 404 from now on."""
    if await session.get(CalendarFeed, user_id, with_for_update=True) is None:
        raise NotFound("You have no calendar feed: create one first.")
    return await _issue(session, user_id, runtime.settings.public_base_url)


@router.delete("/me/calendar", status_code=204)
async def revoke_calendar_feed(user_id: CurrentUser, session: SessionDep) -> Response:
    """Revokes the feed URL. Revoking when there is none changes nothing."""
    await session.execute(text("DELETE FROM calendar_feeds WHERE user_id = :u"), {"u": user_id})
    return Response(status_code=204)


TokenPath = Annotated[str, Path(min_length=1, max_length=100, description="the feed's secret")]


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}},
)
async def calendar_feed(token: TokenPath, session: SessionDep) -> Response:
    """The user's series (RRULE, EXDATE, RECURRENCE-ID overrides) and dated one-off tasks.
    An unknown, rotated or revoked token is 404."""
    if not _TOKEN.match(token):
        raise NotFound("Calendar not found.")
    feed = (
        await session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    ).first()
    if feed is None:
        raise NotFound("Calendar not found.")
    user_id = feed.user_id
    now = sc.now_utc()
    await session.execute(
        text("UPDATE calendar_feeds SET last_fetched_at = :t WHERE user_id = :u"),
        {"t": now, "u": user_id},
    )
    series_rows = (
        await session.exec(select(RecurringSeries).where(RecurringSeries.user_id == user_id))
    ).all()
    task_rows = (
        await session.exec(
            select(Task).where(Task.user_id == user_id, col(Task.due_date).is_not(None))
        )
    ).all()
    body = build_feed(
        [_feed_series(s) for s in series_rows], [_feed_task(t) for t in task_rows], now=now
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, max-age=300",
            "Referrer-Policy": "no-referrer",
            "Content-Disposition": 'inline; filename="tasks.ics"',
        },
    )


def _feed_series(s: RecurringSeries) -> FeedSeries:
    return FeedSeries(
        series_id=s.series_id,
        title=s.title,
        description=s.description,
        status=s.status,
        recurrence=recurrence_of(s),
        skip_until=s.skip_until,
        updated_at=s.updated_at,
    )


def _feed_task(t: Task) -> FeedTask:
    return FeedTask(
        task_id=t.task_id,
        series_id=t.series_id,
        title=t.title,
        description=t.description,
        due_at=t.due_date,
        occurrence_at=t.occurrence_at,
        status=t.status,
        is_exception=t.is_exception,
        updated_at=t.updated_at,
    )


__all__ = ["router"]
