"""The official Dapr chart (used as is) with our values per environment."""

from typing import Any

import pytest

from tests.deploy.manifests import ENVIRONMENTS, Manifest, containers, find, pod_specs

Rendered = dict[str, list[Manifest]]


def _daprsystem(docs: list[Manifest]) -> dict[str, Any]:
    spec: dict[str, Any] = find(docs, "Configuration", "daprsystem")["spec"]
    return spec


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_mtls_on_with_a_day_long_workload_certificate(dapr: Rendered, env: str) -> None:
    assert _daprsystem(dapr[env])["mtls"] == {
        "enabled": True,
        "workloadCertTTL": "24h",
        "allowedClockSkew": "15m",
        "controlPlaneTrustDomain": "cluster.local",
        "sentryAddress": "dapr-sentry.dapr-system.svc.cluster.local:443",
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_control_plane_logs_json_and_runs_with_seccomp(dapr: Rendered, env: str) -> None:
    for workload, spec in pod_specs(dapr[env]):
        for c in containers(spec):
            args = c.get("args", [])
            assert "--log-as-json" in args, workload["metadata"]["name"]
            assert c["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def _replicas(docs: list[Manifest]) -> dict[str, int]:
    return {
        d["metadata"]["name"]: d["spec"]["replicas"]
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet")
    }


def test_high_availability_off_locally_and_on_in_production(dapr: Rendered) -> None:
    # The scheduler is an embedded etcd quorum of 3 whatever HA says (the official chart
    # hard-codes its replicas); HA decides the rest.
    assert _replicas(dapr["local"]) == {
        "dapr-operator": 1,
        "dapr-sentry": 1,
        "dapr-sidecar-injector": 1,
        "dapr-placement-server": 1,
        "dapr-scheduler-server": 3,
    }
    assert _replicas(dapr["production"]) == {
        "dapr-operator": 3,
        "dapr-sentry": 3,
        "dapr-sidecar-injector": 3,
        "dapr-placement-server": 3,
        "dapr-scheduler-server": 3,
    }


def _scheduler_storage(docs: list[Manifest]) -> tuple[str, str]:
    sts = find(docs, "StatefulSet", "dapr-scheduler-server")
    size = sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    args = sts["spec"]["template"]["spec"]["containers"][0]["args"]
    quota = next(a.split("=", 1)[1] for a in args if a.startswith("--etcd-space-quota="))
    return size, quota


def test_scheduler_storage_is_sized_with_a_quota_below_the_volume(dapr: Rendered) -> None:
    assert _scheduler_storage(dapr["local"]) == ("1Gi", "768Mi")
    assert _scheduler_storage(dapr["production"]) == ("16Gi", "12Gi")


def test_local_images_are_our_dapr_build(dapr: Rendered) -> None:
    images = {c["image"] for _, spec in pod_specs(dapr["local"]) for c in containers(spec)}
    assert images == {
        f"localhost/dapr/{n}:1.18.2"
        for n in ("operator", "placement", "sentry", "injector", "scheduler")
    }
    injector = find(dapr["local"], "Deployment", "dapr-sidecar-injector")
    env = {
        e["name"]: e.get("value")
        for e in injector["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["SIDECAR_IMAGE"] == "localhost/dapr/daprd:1.18.2"
    assert env["SIDECAR_DROP_ALL_CAPABILITIES"] == "true"
