"""The workflow runtime of recurring-task-service: every workflow and activity, registered
in one place under the names the workflow code calls them by."""

from dapr.ext.workflow import WorkflowRuntime

from activities.series_round import advance_series
from workflows.contracts import ADVANCE_SERIES, SERIES_WORKFLOW
from workflows.series import series_workflow

WORKFLOWS = {SERIES_WORKFLOW: series_workflow}
ACTIVITIES = {ADVANCE_SERIES: advance_series}


def build_runtime(host: str, port: int) -> WorkflowRuntime:
    runtime = WorkflowRuntime(host=host, port=str(port))
    for name, wf in WORKFLOWS.items():
        runtime.register_workflow(wf, name=name)
    for name, act in ACTIVITIES.items():
        runtime.register_activity(act, name=name)
    return runtime
