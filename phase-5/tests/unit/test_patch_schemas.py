"""PATCH bodies: a field left out is kept; an explicit null for a required field is refused
with a message that says what to do."""

import pytest
from pydantic import ValidationError

from api.schemas import SeriesUpdate, TaskUpdate


@pytest.mark.parametrize(
    ("model", "field"),
    [(TaskUpdate, "title"), (TaskUpdate, "due_at"), (SeriesUpdate, "lead_time_minutes")],
)
def test_explicit_null_is_refused(model: type[TaskUpdate | SeriesUpdate], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate({field: None})
    assert f"{field} cannot be null; leave it out to keep it" in str(caught.value)


def test_left_out_fields_are_kept_and_nullable_ones_may_be_cleared() -> None:
    assert TaskUpdate.model_validate({"priority": "high"}).changes() == {"priority": "high"}
    assert SeriesUpdate.model_validate({"description": None}).description is None
