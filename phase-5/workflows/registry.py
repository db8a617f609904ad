"""Every workflow and activity, registered in one place under its function's name."""

from dapr.ext.workflow import WorkflowRuntime

from workflows.diagnostics import diagnostic_workflow, echo_activity

WORKFLOWS = [diagnostic_workflow]
ACTIVITIES = [echo_activity]


def build_runtime(host: str, port: int) -> WorkflowRuntime:
    runtime = WorkflowRuntime(host=host, port=str(port))
    for wf in WORKFLOWS:
        runtime.register_workflow(wf, name=wf.__name__)
    for act in ACTIVITIES:
        runtime.register_activity(act, name=act.__name__)
    return runtime
