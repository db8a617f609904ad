"""Force-deleting the recurring-task-service pod (app and sidecar at once, grace period 0)
while a burst of completions flows through Kafka loses no occurrence and creates none
twice; its replacement, scheduled by the Deployment, finishes the rounds."""

from datetime import datetime, timedelta

import httpx

from tests.cluster.kube import NS, app_pods, auth, kubectl, new_user, psql
from tests.support.stack import eventually

SERIES = 20


def _series_rows(series_id: str) -> list[list[str]] | None:
    rows = psql(
        "SELECT status, occurrence_at FROM tasks WHERE series_id = "
        f"'{series_id}' ORDER BY occurrence_at"
    )
    return rows if len(rows) >= 2 else None


def test_engine_pod_killed_mid_burst_loses_and_doubles_nothing(api: httpx.Client) -> None:
    user = new_user()
    made = []
    for i in range(SERIES):
        r = api.post(
            "/tasks",
            headers=auth(user),
            json={"title": f"k8s chaos {i}", "recurrence": {"rule": "daily", "timezone": "UTC"}},
        )
        assert r.status_code == 201, r.text
        made.append(r.json())
    (victim,) = [p["metadata"]["name"] for p in app_pods("recurring-task-service")]
    for first in made:
        r = api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
        assert r.status_code == 200, r.text
    # The completions are in flight (outbox -> Kafka -> workflow rounds): kill the pod.
    kubectl("-n", NS, "delete", "pod", victim, "--grace-period=0", "--force", "--wait=false")
    eventually(
        lambda: [
            p
            for p in app_pods("recurring-task-service")
            if p["metadata"]["name"] != victim
            and any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions", [])
            )
        ],
        timeout=180,
        interval=1,
    )
    for first in made:
        rows = eventually(
            lambda first=first: _series_rows(first["series_id"]), timeout=180, interval=1
        )
        statuses = [s for s, _ in rows]
        occurrences = [datetime.fromisoformat(o) for _, o in rows]
        assert len(rows) == 2 and len(set(occurrences)) == 2, f"no duplicate, no gap: {rows}"
        assert statuses == ["completed", "pending"], rows
        assert occurrences[1] - occurrences[0] == timedelta(days=1), "nothing skipped"
