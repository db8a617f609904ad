"""Request and response bodies of the HTTP API (the Create/Update/Public family)."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class TaskBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    priority: Priority = Priority.MEDIUM

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("Title must not be blank")
        return v.strip()


class TaskCreate(TaskBase):
    due_at: datetime | None = Field(default=None, description="ISO 8601 with offset")

    @field_validator("due_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("due_at needs a UTC offset, e.g. 2026-12-01T09:00:00+01:00")
        return v


class TaskPublic(BaseModel):
    task_id: uuid.UUID
    series_id: uuid.UUID | None
    title: str
    description: str | None
    priority: str
    due_date: datetime | None
    occurrence_at: datetime | None
    status: str
    is_exception: bool
    is_recurring: bool
    completed_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
