"""Two recurring-task-service replicas share the series workflows: placement spreads the
workflow actors over both sidecars; one replica force-deleted while the completions' rounds
are in flight, every series still advances exactly once (its workflows move to the other
replica and to the Deployment's replacement)."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from tests.cluster.kube import NS, RELEASE, app_pods, auth, kubectl, new_user, psql
from tests.support.stack import eventually

DEPLOY = f"deploy/{RELEASE}-recurring-task-service"
SERIES = 24
# The sidecar's own view (its HTTP API answers on the pod's loopback).
METADATA = (
    "import urllib.request\n"
    "url = 'http://127.0.0.1:3500/v1.0/metadata'\n"
    "print(urllib.request.urlopen(url, timeout=10).read().decode())"
)


def _ready(pod: dict[str, object]) -> bool:
    conditions = pod["status"].get("conditions", [])  # type: ignore[attr-defined]
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@pytest.fixture
def two_engines(cluster: None) -> Iterator[list[str]]:
    kubectl("-n", NS, "scale", DEPLOY, "--replicas=2")
    try:
        pods = eventually(
            lambda: (
                [p["metadata"]["name"] for p in app_pods("recurring-task-service") if _ready(p)]
                if len([p for p in app_pods("recurring-task-service") if _ready(p)]) == 2
                else None
            ),
            timeout=180,
            interval=1,
        )
        yield pods
    finally:
        kubectl("-n", NS, "scale", DEPLOY, "--replicas=1")


def _workflow_actors(pod: str) -> int:
    out = kubectl("-n", NS, "exec", pod, "-c", "app", "--", "python", "-c", METADATA)
    actors = json.loads(out).get("actorRuntime", {}).get("activeActors", [])
    return sum(int(a["count"]) for a in actors if a["type"].endswith(".workflow"))


def test_two_replicas_share_the_series_and_one_killed_loses_nothing(
    api: httpx.Client, two_engines: list[str]
) -> None:
    user = new_user()
    made = []
    for i in range(SERIES):
        r = api.post(
            "/tasks",
            headers=auth(user),
            json={"title": f"shared {i}", "recurrence": {"rule": "daily", "timezone": "UTC"}},
        )
        assert r.status_code == 201, r.text
        made.append(r.json())
    counts = eventually(
        lambda: c if sum(c := [_workflow_actors(p) for p in two_engines]) >= SERIES else None,
        timeout=120,
        interval=2,
    )
    assert all(n > 0 for n in counts), f"workflow actors per replica: {counts}"
    for first in made:
        r = api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
        assert r.status_code == 200, r.text
    # The completions are in flight (outbox -> Kafka -> rounds on both replicas): kill one,
    # app and sidecar at once, holding about half of the series' workflow actors.
    victim = two_engines[0]
    kubectl("-n", NS, "delete", "pod", victim, "--grace-period=0", "--force", "--wait=false")
    for first in made:
        rows = eventually(
            lambda first=first: (
                r
                if len(
                    r := psql(
                        f"SELECT status, occurrence_at FROM tasks WHERE series_id = "
                        f"'{first['series_id']}' ORDER BY occurrence_at"
                    )
                )
                >= 2
                else None
            ),
            timeout=120,
            interval=1,
        )
        occurrences = [datetime.fromisoformat(o) for _, o in rows]
        assert len(rows) == 2 and len(set(occurrences)) == 2, f"no duplicate, no gap: {rows}"
        assert [s for s, _ in rows] == ["completed", "pending"], rows
        assert occurrences[1] - occurrences[0] == timedelta(days=1), rows
