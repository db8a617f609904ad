"""`helm upgrade --atomic --timeout 2m` of a broken release rolls back by itself to the last
good revision, and the API keeps answering throughout (FR-044)."""

import json
import threading
import time
import uuid

import httpx

from tests.cluster.kube import (
    API_URL,
    NS,
    RELEASE,
    auth,
    helm,
    kubectl_json,
    new_user,
    upgrade_args,
)


def _revision() -> int:
    return int(json.loads(helm("-n", NS, "status", RELEASE, "-o", "json"))["version"])


def _images() -> set[str]:
    deploys = kubectl_json("-n", NS, "get", "deploy", "-l", f"app.kubernetes.io/instance={RELEASE}")
    return {
        c["image"] for d in deploys["items"] for c in d["spec"]["template"]["spec"]["containers"]
    }


def test_broken_upgrade_rolls_back_and_keeps_serving(api: httpx.Client) -> None:
    good_revision, good_images = _revision(), _images()
    answers: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        with httpx.Client(timeout=5) as c:
            while not stop.is_set():
                try:
                    answers.append(c.get(f"{API_URL}/healthz").status_code)
                except httpx.HTTPError:
                    answers.append(0)
                time.sleep(0.5)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        # A release whose app image does not exist: its pods never become Ready.
        out = helm(
            *upgrade_args(
                "--set", f"image.tag=broken-{uuid.uuid4().hex[:8]}", "--atomic", "--timeout", "2m"
            ),
            check=False,
            timeout=400,
        )
    finally:
        stop.set()
        watcher.join()
    history = json.loads(helm("-n", NS, "history", RELEASE, "-o", "json"))
    last = history[-1]
    assert last["status"] == "deployed" and last["description"] == f"Rollback to {good_revision}", (
        out,
        history[-3:],
    )
    assert _revision() == good_revision + 2
    assert _images() == good_images
    assert answers and all(a == 200 for a in answers), f"API answers during the upgrade: {answers}"
    user = new_user()
    r = api.post("/tasks", headers=auth(user), json={"title": "after rollback"})
    assert r.status_code == 201, r.text
