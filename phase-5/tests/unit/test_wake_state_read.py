"""A wake-up survives daprd's transient workflow-state read (engine/reactions.py): it used
to fail the event, and Dapr redelivered it after 5 s (the issue's 5.1 s outlier)."""

from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from dapr.ext.workflow import WorkflowStatus
from grpc import StatusCode
from grpc.aio import AioRpcError, Metadata

from engine.reactions import Engine, wake

PARTIAL_SAVE = (
    "workflow 'series-x': inbox key 'inbox-000000' declared in metadata (inboxLength=1) but "
    "missing from state store (transient store read failure or partial save?)"
)


def rpc_error(code: StatusCode, details: str) -> AioRpcError:
    return AioRpcError(code, Metadata(), Metadata(), details=details)


@dataclass
class Running:
    runtime_status: WorkflowStatus = WorkflowStatus.RUNNING


@dataclass
class FakeWorkflows:
    failures: list[AioRpcError]
    reads: int = 0
    raised: list[tuple[str, str, Any]] = field(default_factory=list)

    async def get_workflow_state(self, wid: str, *, fetch_payloads: bool = True) -> Running:
        self.reads += 1
        if self.failures:
            raise self.failures.pop(0)
        return Running()

    async def raise_workflow_event(self, wid: str, name: str, *, data: Any = None) -> None:
        self.raised.append((wid, name, data))


def engine(workflows: FakeWorkflows) -> Engine:
    return Engine(sessions=cast(Any, None), sidecar=cast(Any, None), workflows=cast(Any, workflows))


async def test_a_partial_save_read_is_read_again_and_the_wake_up_raised() -> None:
    workflows = FakeWorkflows([rpc_error(StatusCode.UNKNOWN, PARTIAL_SAVE)] * 2)
    await wake(engine(workflows), "s1", "instance_completed")
    assert workflows.reads == 3
    assert [(w, n, d["reason"]) for w, n, d in workflows.raised] == [
        ("series-s1", "wake", "instance_completed")
    ]


async def test_a_lasting_failure_is_left_to_the_pub_sub_retry() -> None:
    workflows = FakeWorkflows([rpc_error(StatusCode.UNAVAILABLE, "connection refused")] * 10)
    with pytest.raises(AioRpcError):
        await wake(engine(workflows), "s1", "instance_completed")
    assert workflows.reads == 6 and workflows.raised == []


async def test_other_errors_are_not_retried() -> None:
    workflows = FakeWorkflows([rpc_error(StatusCode.PERMISSION_DENIED, "denied")])
    with pytest.raises(AioRpcError):
        await wake(engine(workflows), "s1", "instance_completed")
    assert workflows.reads == 1
