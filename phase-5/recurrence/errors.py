"""The one error the recurrence package raises for bad input."""

from __future__ import annotations

from typing import Literal

Field = Literal["rule", "timezone", "ends_at", "count", "start", "mode", "lead_time", "preview"]


class RecurrenceError(ValueError):
    """Input that cannot become a valid recurrence.

    ``field`` names the input at fault so the API can point at it (HTTP 422);
    ``message`` is a sentence fit to show to the user as is.
    """

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(message)
        self.field: Field = field
        self.message = message

    def __repr__(self) -> str:
        return f"RecurrenceError(field={self.field!r}, message={self.message!r})"
