"""The local cluster as the on-cluster tests see it: kubectl/helm built by the scripts, the
node's network namespace, the local secrets file, PostgreSQL through `kubectl exec`."""

import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import jwt

P5 = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("P5_CACHE", Path.home() / ".cache/phase5"))
CSTATE = Path(os.environ.get("P5_CLUSTER_STATE", Path.home() / ".local/state/phase5-cluster"))
KUBECONFIG = CSTATE / "kubeconfig"
KUBECTL = CACHE / "k8s-1.37.2" / "bin" / "kubectl"
HELM = CACHE / "bin" / "helm"
NETNS = "/run/netns/p5node"
API_URL = os.environ.get("P5_BASE_URL", "http://127.0.0.1:8000")
NS, DAPR_NS, RELEASE = "phase5", "dapr-system", "phase5"


def run(cmd: list[str], timeout: float = 120, check: bool = True, stdin: str | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:6])}... failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


def kubectl(*args: str, timeout: float = 120, check: bool = True, stdin: str | None = None) -> str:
    return run([str(KUBECTL), "--kubeconfig", str(KUBECONFIG), *args], timeout, check, stdin)


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json"))


def helm_command(*args: str) -> list[str]:
    return [str(HELM), "--kubeconfig", str(KUBECONFIG), *args]


def helm(*args: str, timeout: float = 600, check: bool = True) -> str:
    return run(helm_command(*args), timeout, check)


def upgrade_args(*extra: str) -> tuple[str, ...]:
    """`helm upgrade` of the release from the chart in the tree, keeping its values."""
    return ("-n", NS, "upgrade", RELEASE, str(P5 / "charts" / "phase5"), "--reuse-values", *extra)


def in_node(*cmd: str, timeout: float = 60, check: bool = True, stdin: str | None = None) -> str:
    """Runs a host binary inside the node's network namespace (where pod IPs route)."""
    return run(["nsenter", f"--net={NETNS}", "--", *cmd], timeout, check, stdin)


def require_cluster() -> None:
    if not KUBECONFIG.exists():
        raise RuntimeError(f"no local cluster ({KUBECONFIG} missing): run scripts/dev-up.sh --k8s")
    kubectl("get", "--raw", "/readyz")


def secrets() -> dict[str, str]:
    data: dict[str, str] = json.loads((CSTATE / "secrets" / "local.json").read_text())
    return data


def auth(user: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": user, "iat": now, "exp": now + 3600}
    signed = jwt.encode(claims, secrets()["better-auth-secret"], algorithm="HS256")
    return {"Authorization": f"Bearer {signed}"}


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def pods(namespace: str, selector: str | None = None) -> list[dict[str, Any]]:
    args = ["-n", namespace, "get", "pods"]
    if selector:
        args += ["-l", selector]
    items: list[dict[str, Any]] = kubectl_json(*args)["items"]
    return items


def app_pods(app_id: str) -> list[dict[str, Any]]:
    return [
        p
        for p in pods(NS)
        if p["metadata"].get("annotations", {}).get("dapr.io/app-id") == app_id
        and p["metadata"].get("deletionTimestamp") is None
    ]


def psql(sql: str) -> list[list[str]]:
    """Rows of a query run by the in-cluster PostgreSQL itself (local socket, no password)."""
    out = kubectl(
        "-n",
        NS,
        "exec",
        f"{RELEASE}-postgres-0",
        "-c",
        "postgres",
        "--",
        "psql",
        "-h",
        "/var/run/postgresql",
        "-U",
        "postgres",
        "-d",
        "todo",
        "-At",
        "-F",
        "\t",
        "-c",
        sql,
    )
    return [line.split("\t") for line in out.splitlines() if line]
