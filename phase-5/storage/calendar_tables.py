"""The per-user calendar feed: only a hash of its secret token is kept."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.tables import timestamp_field


class CalendarFeed(SQLModel, table=True):
    """One private feed URL per user. The token is 256 random bits, so an unsalted SHA-256
    is enough to make a leaked table useless for building URLs; rotating replaces the hash,
    revoking deletes the row."""

    __tablename__ = "calendar_feeds"

    user_id: str = Field(primary_key=True, max_length=128)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime | None = timestamp_field(nullable=False, default_now=True)
    last_fetched_at: datetime | None = timestamp_field()
