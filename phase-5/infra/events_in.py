"""Parsing CloudEvents delivered by Dapr subscriptions. Unknown fields are ignored (the
contract only ever adds optional fields); a missing required one is a poison message."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class IncomingEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    source: str = ""
    data: dict[str, Any]

    @property
    def user_id(self) -> str | None:
        value = self.data.get("user_id")
        return value if isinstance(value, str) else None


class PoisonMessage(ValueError):
    """The event can never be processed; Dapr retries it, then parks it in the DLQ."""
