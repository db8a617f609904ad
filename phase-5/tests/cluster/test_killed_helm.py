"""A helm run killed mid-upgrade leaves the release `pending-upgrade`, and every later upgrade
refuses ("another operation is in progress"). The platform's install path (cluster/up.sh,
`recover_release` in cluster/platform.sh) rolls such a release back first, so running it again
ends with the release deployed, the chart's own values back, and the API serving."""

import json
import os
import signal
import subprocess
import time
from typing import Any

import httpx

from tests.cluster.kube import (
    API_URL,
    NS,
    P5,
    RELEASE,
    auth,
    helm,
    helm_command,
    kubectl_json,
    new_user,
    upgrade_args,
)
from tests.support.stack import eventually


def _status() -> dict[str, Any]:
    status: dict[str, Any] = json.loads(helm("-n", NS, "status", RELEASE, "-o", "json"))
    return status


def _batch_size() -> str:
    deploy = kubectl_json("-n", NS, "get", "deploy", f"{RELEASE}-todo-api")
    env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
    return str(next(e["value"] for e in env if e["name"] == "OUTBOX_BATCH_SIZE"))


def _ready() -> bool:
    """Through the port-forward, which reconnects (about a second) when the pod it followed
    was replaced by the rollback and the upgrade."""
    try:
        return httpx.get(f"{API_URL}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_release_left_pending_by_a_killed_helm_is_recovered_by_the_install_path(
    cluster: None,
) -> None:
    good = _status()
    assert good["info"]["status"] == "deployed"
    assert _batch_size() == "200"
    # An upgrade that changes todo-api's pod template, so helm has a rollout to --wait for.
    upgrade = subprocess.Popen(
        helm_command(
            *upgrade_args(
                "--set", "apps.todoApi.env.OUTBOX_BATCH_SIZE=201", "--wait", "--timeout", "5m"
            )
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # Killed once it has written the new objects and is waiting for the rollout.
        eventually(
            lambda: _status()["info"]["status"] == "pending-upgrade" and _batch_size() == "201",
            timeout=120,
            interval=0.2,
        )
    finally:
        os.killpg(upgrade.pid, signal.SIGKILL)
        upgrade.wait(timeout=30)
    stuck = _status()
    assert stuck["info"]["status"] == "pending-upgrade"
    assert stuck["version"] == good["version"] + 1
    refused = subprocess.run(
        helm_command(*upgrade_args()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0 and "another operation" in refused.stderr, refused.stderr

    t0 = time.monotonic()
    run = subprocess.run(
        ["bash", str(P5 / "cluster" / "up.sh"), "--no-forward"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    took = time.monotonic() - t0
    assert run.returncode == 0, run.stderr[-3000:]
    assert "left mid-upgrade (a killed run): rolling back" in run.stderr + run.stdout
    after = _status()
    assert after["info"]["status"] == "deployed", after["info"]
    # The killed revision, the rollback, then the install path's own upgrade.
    assert after["version"] == good["version"] + 3
    assert _batch_size() == "200", "the install path's values are back"
    history = json.loads(helm("-n", NS, "history", RELEASE, "-o", "json"))
    assert history[-1]["status"] == "deployed"
    assert history[-2]["description"] == f"Rollback to {good['version']}", history[-3:]
    assert [h["status"] for h in history].count("deployed") == 1
    eventually(_ready, timeout=60, interval=0.5)
    r = httpx.post(
        f"{API_URL}/api/v1/tasks",
        headers=auth(new_user()),
        json={"title": "after recovery"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    print(f"install path after a killed helm: {took:.0f} s")
