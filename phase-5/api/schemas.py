"""Request and response bodies of the HTTP API (the Create/Update/Public family)."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from recurrence import Mode
from recurrence.limits import MAX_YEAR, MIN_YEAR
from recurrence.offsets import normalize_offsets


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Scope(StrEnum):
    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


def _utc_z(value: datetime) -> str:
    if value.tzinfo is None:  # never for an instant; kept readable rather than failing
        return value.isoformat()
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[
    datetime,
    PlainSerializer(_utc_z, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-12-01T09:00:00Z"]},
        mode="serialization",
    ),
]
"""An instant in a response: always UTC, written with `Z`."""

LocalDateTime = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
            "description": "local wall time in the series' zone, no offset",
            "examples": ["2026-12-01T09:00:00"],
        },
        mode="serialization",
    ),
]


def check_year(v: datetime, name: str) -> datetime:
    """Dates outside the years the domain accepts are refused before any arithmetic: near
    year 1 or 9999 a zone conversion or a reminder offset would overflow."""
    if not MIN_YEAR <= v.year <= MAX_YEAR:
        raise ValueError(f"{name} must be in the years {MIN_YEAR} to {MAX_YEAR}")
    return v


def _aware(v: datetime | None, name: str) -> datetime | None:
    if v is None:
        return v
    check_year(v, name)
    if v.tzinfo is None:
        raise ValueError(f"{name} needs a UTC offset, e.g. 2026-12-01T09:00:00+01:00")
    return v


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Strict(BaseModel):
    """Unknown fields are errors; so is a NUL character, which PostgreSQL cannot store."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("Text must not contain NUL (\\u0000) characters")
        return data


class RecurrenceIn(Strict):
    rule: str = Field(
        min_length=1, max_length=500, description="RRULE or a phrase like 'every Monday at 10 AM'"
    )
    timezone: str = Field(min_length=1, max_length=64, description="IANA zone, e.g. Europe/London")
    mode: Mode | None = Field(
        default=None,
        description="fixed | after_completion; default: what the phrase says, else fixed",
    )
    start: datetime | None = Field(
        default=None, description="DTSTART as local wall time in `timezone` (default: now)"
    )
    ends_at: datetime | None = Field(default=None, description="end date (inclusive)")
    count: int | None = Field(default=None, ge=1, le=1000)
    lead_time_minutes: int | None = Field(
        default=None,
        ge=0,
        le=43200,
        description="how early the next instance appears; default 15, kept on a rule change",
    )

    @field_validator("start", "ends_at")
    @classmethod
    def _years(cls, v: datetime | None) -> datetime | None:
        return None if v is None else check_year(v, "date")

    @model_validator(mode="after")
    def _one_end(self) -> "RecurrenceIn":
        if self.ends_at is not None and self.count is not None:
            raise ValueError("Give either ends_at or count, not both")
        return self


class TaskFields(Strict):
    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    priority: Priority = Priority.MEDIUM

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("Title must not be blank")
        return v.strip()


class TaskCreate(TaskFields):
    due_at: datetime | None = Field(default=None, description="ISO 8601 with offset")
    reminders: list[str] = Field(
        default_factory=list, description='offsets before due: ["1d", "1h", "0m"]'
    )
    recurrence: RecurrenceIn | None = None

    @field_validator("due_at")
    @classmethod
    def _due_aware(cls, v: datetime | None) -> datetime | None:
        return _aware(v, "due_at")

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, v: list[str]) -> list[str]:
        return normalize_offsets(v)


PatchT = TypeVar("PatchT", bound=BaseModel)


def _no_explicit_nulls(patch: PatchT, names: tuple[str, ...]) -> PatchT:
    """A PATCH leaves out what it keeps; an explicit null for a required field is refused."""
    for name in names:
        if name in patch.model_fields_set and getattr(patch, name) is None:
            raise ValueError(f"{name} cannot be null; leave it out to keep it")
    return patch


class TaskUpdate(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    priority: Priority | None = None
    due_at: datetime | None = None
    reminders: list[str] | None = None
    recurrence: RecurrenceIn | None = Field(
        default=None, description="new rule for scope=following|all"
    )

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("Title must not be blank")
        return v.strip() if v else v

    @field_validator("due_at")
    @classmethod
    def _due_aware(cls, v: datetime | None) -> datetime | None:
        return _aware(v, "due_at")

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else normalize_offsets(v)

    @model_validator(mode="after")
    def _not_null(self) -> "TaskUpdate":
        return _no_explicit_nulls(self, ("title", "priority", "due_at", "reminders", "recurrence"))

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class SeriesUpdate(Strict):
    """What PATCH /series/{id} changes; absent fields stay as they are."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    priority: Priority | None = None
    reminders: list[str] | None = None
    lead_time_minutes: int | None = Field(default=None, ge=0, le=43200)
    recurrence: RecurrenceIn | None = Field(default=None, description="a new rule regenerates")

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("Title must not be blank")
        return v.strip() if v else v

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else normalize_offsets(v)

    @model_validator(mode="after")
    def _not_null(self) -> "SeriesUpdate":
        return _no_explicit_nulls(
            self, ("title", "priority", "reminders", "recurrence", "lead_time_minutes")
        )


class TaskPublic(BaseModel):
    """A task, and for an instance of a series the series' rule (FR-002 fields)."""

    task_id: uuid.UUID
    series_id: uuid.UUID | None
    title: str
    description: str | None
    priority: str
    due_at: UtcDateTime | None
    occurrence_at: UtcDateTime | None
    status: str
    is_exception: bool
    is_recurring: bool
    recurrence_pattern: str | None = Field(description="the series' RRULE; null for a one-off")
    recurrence_end_date: UtcDateTime | None
    upcoming_occurrence: UtcDateTime | None = Field(
        description=(
            "the series' next occurrence after its pending ones; null for a one-off task and "
            "while the series is paused, deleted or completed (a paused series creates "
            "nothing until resumed, then continues from the first occurrence after the resume)"
        )
    )
    reminders: list[str] = Field(description='offsets before due, e.g. ["1d", "1h"]')
    completed_at: UtcDateTime | None
    created_at: UtcDateTime | None
    updated_at: UtcDateTime | None


class SeriesPublic(BaseModel):
    series_id: uuid.UUID
    title: str
    description: str | None
    priority: str
    status: str = Field(description="active | paused | completed | deleted")
    rrule: str
    phrase: str | None
    rule_description: str
    mode: str
    timezone: str
    start_local: LocalDateTime = Field(description="DTSTART, wall time in `timezone`")
    ends_at: UtcDateTime | None
    count: int | None
    lead_time_minutes: int
    reminders: list[str]
    upcoming_occurrence: UtcDateTime | None = Field(
        description="the first of `next_occurrences`, null when it is empty"
    )
    next_occurrences: list[UtcDateTime] = Field(
        description=(
            "the occurrences the engine will create next (up to 5), after the pending ones; "
            "empty while the series is paused (nothing is created until it is resumed, and "
            "resuming continues from the first occurrence after the resume, so no date is "
            "promised), for a series that repeats after completion (its next date is the "
            "completion date plus the interval, known once the pending task is completed), "
            "and once it is deleted or completed"
        )
    )
    created_at: UtcDateTime | None
    updated_at: UtcDateTime | None


class TaskCreated(TaskPublic):
    series: SeriesPublic | None = None


class Sort(StrEnum):
    DUE_AT = "due_at"
    DUE_AT_DESC = "-due_at"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


class TaskPage(BaseModel):
    items: list[TaskPublic]
    total: int = Field(description="items matching the filters, on all pages")
    page: int
    page_size: int
    next: str | None = Field(
        description="relative URL of the next page (same filters), null on the last page"
    )


class SeriesPage(BaseModel):
    items: list[SeriesPublic]
    total: int
    page: int
    page_size: int
    next: str | None


class PreviewIn(Strict):
    rule: str = Field(min_length=1, max_length=500)
    timezone: str = Field(min_length=1, max_length=64)
    start: datetime | None = Field(default=None, description="local wall time in timezone")
    count: int = Field(default=5, ge=1, le=100)

    @field_validator("start")
    @classmethod
    def _years(cls, v: datetime | None) -> datetime | None:
        return None if v is None else check_year(v, "start")


class PreviewOut(BaseModel):
    rrule: str
    description: str
    ended: bool = Field(description="no occurrence is left after now (COUNT used up, UNTIL passed)")
    occurrences: list[UtcDateTime]
    occurrences_local: list[LocalDateTime] = Field(description="the same, wall time in zone")
