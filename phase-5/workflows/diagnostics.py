"""A self-check workflow: one activity and one durable timer. It proves the workflow engine
(placement, scheduler reminders, state store) end to end and is cheap enough to run in CI."""

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from dapr.ext.workflow import DaprWorkflowContext, WorkflowActivityContext
from pydantic import BaseModel, Field


class DiagnosticInput(BaseModel):
    message: str = Field(max_length=200)
    timer_seconds: float = Field(default=1.0, ge=0, le=60)


def echo_activity(ctx: WorkflowActivityContext, inp: dict[str, Any]) -> str:
    return f"echo: {inp['message']}"


def diagnostic_workflow(
    ctx: DaprWorkflowContext, raw: dict[str, Any]
) -> Generator[Any, Any, dict[str, Any]]:
    inp = DiagnosticInput.model_validate(raw)
    echoed = yield ctx.call_activity(echo_activity, input={"message": inp.message})
    started = ctx.current_utc_datetime
    yield ctx.create_timer(timedelta(seconds=inp.timer_seconds))
    waited = (ctx.current_utc_datetime - started).total_seconds()
    return {"echo": echoed, "timer_waited_s": waited}
