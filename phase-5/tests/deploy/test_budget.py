"""The whole local platform fits the seed's machine: 8 GiB and 4 CPUs for the cluster.

Counted: every container's limits (memory) and requests (CPU) of our chart and of the
official Dapr chart with the local values, plus one daprd sidecar per app at its annotated
limits. Init containers run before the main ones, so a pod counts the larger of the two.
Reserved for what is not a pod (apiserver, etcd, controller-manager, scheduler, kubelet,
containerd, kube-proxy, CoreDNS, kube-router): 2 GiB and 1 CPU."""

from typing import Any

from tests.deploy.manifests import Manifest, is_hook, pod_specs

MACHINE_MEMORY = 8 * 1024**3
MACHINE_CPU = 4.0
RESERVED_MEMORY = 2 * 1024**3
RESERVED_CPU = 1.0
UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def memory(q: str) -> int:
    for suffix, factor in UNITS.items():
        if q.endswith(suffix):
            return int(float(q[: -len(suffix)]) * factor)
    return int(q)


def cpu(q: str) -> float:
    return float(q[:-1]) / 1000 if q.endswith("m") else float(q)


def _pod(spec: dict[str, Any], kind: str, field: str, parse: Any) -> float:
    main = sum(parse(c["resources"][kind][field]) for c in spec["containers"])
    init = max(
        (parse(c["resources"][kind][field]) for c in spec.get("initContainers", [])), default=0
    )
    return max(main, init)


def _totals(docs: list[Manifest]) -> tuple[int, float]:
    mem, cpus = 0, 0.0
    for workload, spec in pod_specs([d for d in docs if not is_hook(d)]):
        replicas = workload["spec"].get("replicas", 1)
        mem += replicas * int(_pod(spec, "limits", "memory", memory))
        cpus += replicas * _pod(spec, "requests", "cpu", cpu)
        ann = workload["spec"]["template"]["metadata"].get("annotations", {})
        if ann.get("dapr.io/enabled") == "true":
            mem += replicas * memory(ann["dapr.io/sidecar-memory-limit"])
            cpus += replicas * cpu(ann["dapr.io/sidecar-cpu-request"])
    return mem, cpus


def test_local_limits_fit_the_machine(
    ours: dict[str, list[Manifest]], dapr: dict[str, list[Manifest]]
) -> None:
    mem_ours, cpu_ours = _totals(ours["local"])
    mem_dapr, cpu_dapr = _totals(dapr["local"])
    mem, cpus = mem_ours + mem_dapr, cpu_ours + cpu_dapr
    print(
        f"local memory limits {mem / 1024**3:.2f} GiB (ours {mem_ours / 1024**3:.2f}, "
        f"dapr {mem_dapr / 1024**3:.2f}); CPU requests {cpus:.2f}"
    )
    assert mem <= MACHINE_MEMORY - RESERVED_MEMORY
    assert cpus <= MACHINE_CPU - RESERVED_CPU


def test_every_dapr_control_plane_container_has_limits(dapr: dict[str, list[Manifest]]) -> None:
    # Unbounded containers would make the sum above meaningless.
    for workload, spec in pod_specs(dapr["local"]):
        for c in spec["containers"]:
            assert c["resources"]["limits"]["memory"], workload["metadata"]["name"]
