"""Every workflow and activity, registered in one place under its function's name."""

from dapr.ext.workflow import WorkflowRuntime

from activities.series_round import advance_series
from workflows.diagnostics import diagnostic_workflow, echo_activity
from workflows.series import series_workflow

WORKFLOWS = [series_workflow, diagnostic_workflow]
ACTIVITIES = [advance_series, echo_activity]


def build_runtime(host: str, port: int) -> WorkflowRuntime:
    runtime = WorkflowRuntime(host=host, port=str(port))
    for wf in WORKFLOWS:
        runtime.register_workflow(wf, name=wf.__name__)
    for act in ACTIVITIES:
        runtime.register_activity(act, name=act.__name__)
    return runtime
