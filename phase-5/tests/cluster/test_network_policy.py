"""NetworkPolicy is enforced (kube-router, firewall-only): a pod whose egress is allowed but
that lacks the client label cannot reach Kafka or PostgreSQL; the same pod with the labels can.
The probes' egress is opened by a policy of the test's own, so what refuses the unlabelled
one is the ingress side (Kafka's and PostgreSQL's policies), not its own egress."""

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.cluster.kube import NS, RELEASE, kubectl, kubectl_json
from tests.support.stack import eventually

PROBE = (
    "import json, socket, sys\n"
    "out = {}\n"
    "for name, host, port in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        socket.create_connection((host, int(port)), timeout=3).close(); out[name] = True\n"
    "    except OSError:\n"
    "        out[name] = False\n"
    "print(json.dumps(out))\n"
)


def _probe_pod(name: str, labels: dict[str, str], image: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": labels},
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 1,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "probe",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["python", "-c", "import time; time.sleep(3600)"],
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "32Mi"},
                        "limits": {"memory": "64Mi"},
                    },
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                }
            ],
        },
    }


def open_egress(suffix: str) -> dict[str, object]:
    """Egress anywhere for the probe pods of one test (label phase5.io/np-probe=<suffix>)."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"np-probe-egress-{suffix}", "namespace": NS},
        "spec": {
            "podSelector": {"matchLabels": {"phase5.io/np-probe": suffix}},
            "policyTypes": ["Egress"],
            "egress": [{}],
        },
    }


def start_probes(suffix: str, pods: list[dict[str, object]]) -> None:
    items = [open_egress(suffix), *pods]
    kubectl(
        "apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    )
    names = [f"pod/{p['metadata']['name']}" for p in pods]  # type: ignore[index]
    kubectl("-n", NS, "wait", "--for=condition=Ready", *names, "--timeout=90s", timeout=120)


def stop_probes(suffix: str, pods: list[str]) -> None:
    kubectl("-n", NS, "delete", "pod", *pods, "--wait=false", check=False)
    kubectl("-n", NS, "delete", "networkpolicy", f"np-probe-egress-{suffix}", check=False)


@pytest.fixture
def probes(cluster: None) -> Iterator[tuple[str, str]]:
    image = kubectl_json("-n", NS, "get", "deploy", f"{RELEASE}-todo-api")["spec"]["template"][
        "spec"
    ]["containers"][0]["image"]
    suffix = uuid.uuid4().hex[:6]
    # Both may send anywhere (open_egress); only the first carries the labels Kafka's and
    # PostgreSQL's ingress policies ask for.
    base = {"app.kubernetes.io/instance": RELEASE, "phase5.io/np-probe": suffix}
    allowed = f"np-allowed-{suffix}"
    denied = f"np-denied-{suffix}"
    pods = [
        _probe_pod(
            allowed,
            {**base, "phase5.io/kafka-client": "true", "phase5.io/postgres-client": "true"},
            image,
        ),
        _probe_pod(denied, base, image),
    ]
    try:
        start_probes(suffix, pods)
        yield allowed, denied
    finally:
        stop_probes(suffix, [allowed, denied])


def _targets() -> str:
    ip = {
        s: kubectl_json("-n", NS, "get", "svc", f"{RELEASE}-{s}")["spec"]["clusterIP"]
        for s in ("kafka", "postgres")
    }
    return json.dumps([["kafka", ip["kafka"], 9092], ["postgres", ip["postgres"], 5432]])


def _reach(pod: str, targets: str) -> dict[str, bool]:
    out = kubectl("-n", NS, "exec", pod, "--", "python", "-c", PROBE, targets, timeout=60)
    result: dict[str, bool] = json.loads(out)
    return result


def test_only_labelled_pods_reach_kafka_and_postgres(probes: tuple[str, str]) -> None:
    allowed, denied = probes
    targets = _targets()
    # Positive control first: once the labelled pod gets through, the policies are in place.
    eventually(lambda: all(_reach(allowed, targets).values()), timeout=60, interval=1)
    assert _reach(denied, targets) == {"kafka": False, "postgres": False}
    # And the labelled one still does (the denial is the label, not the moment).
    assert _reach(allowed, targets) == {"kafka": True, "postgres": True}
