"""Every pod runs as a non-root user, and the sidecars talk mTLS with certificates that the
cluster's Dapr Sentry issued (checked on the wire and in Sentry's own counters)."""

import base64
import json
import re
import subprocess
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.cluster.kube import CACHE, CSTATE, DAPR_NS, NETNS, NS, in_node, kubectl_json, pods, run

CRICTL = CACHE / "cluster-bin" / "crictl"
SOCK = CSTATE / "run" / "containerd" / "containerd.sock"
APPS = ["todo-api", "recurring-task-service", "notification-service"]


def _process_uids(container_id: str) -> tuple[int, int]:
    """Real and effective uid of the container's first process, read from /proc."""
    info = json.loads(
        run([str(CRICTL), "--runtime-endpoint", f"unix://{SOCK}", "inspect", container_id])
    )
    status = Path(f"/proc/{info['info']['pid']}/status").read_text()
    real, effective = re.search(r"^Uid:\s+(\d+)\s+(\d+)", status, re.M).groups()  # type: ignore[union-attr]
    return int(real), int(effective)


@pytest.mark.parametrize("namespace", [NS, DAPR_NS])
def test_every_container_runs_as_non_root(cluster: None, namespace: str) -> None:
    seen: dict[str, tuple[int, int]] = {}
    for pod in pods(namespace):
        if pod["status"]["phase"] != "Running":
            continue
        for c in pod["status"]["containerStatuses"]:
            if "running" not in c["state"]:
                continue
            cid = c["containerID"].removeprefix("containerd://")
            seen[f"{pod['metadata']['name']}/{c['name']}"] = _process_uids(cid)
    assert seen, f"no running containers in {namespace}"
    root = {name: ids for name, ids in seen.items() if 0 in ids}
    assert not root, f"containers running as root: {root}"
    if namespace == NS:
        # The sidecars are there and counted (the injector added them).
        assert sum(name.endswith("/daprd") for name in seen) >= len(APPS), seen


def _trust_bundle(tmp: Path) -> tuple[Path, Path]:
    data = kubectl_json("-n", DAPR_NS, "get", "secret", "dapr-trust-bundle")["data"]
    ca, issuer = tmp / "ca.crt", tmp / "issuer.crt"
    ca.write_bytes(base64.b64decode(data["ca.crt"]))
    issuer.write_bytes(base64.b64decode(data["issuer.crt"]))
    return ca, issuer


def _served_chain(pod_ip: str) -> str:
    """The sidecar's internal gRPC port (50002) serves its workload certificate. -ign_eof
    keeps the client reading after the handshake until the server answers our missing
    client certificate (TLS 1.3 sends that alert after the handshake) or 15 s pass."""
    cmd = [
        "nsenter",
        f"--net={NETNS}",
        "--",
        "openssl",
        "s_client",
        "-ign_eof",
        "-connect",
        f"{pod_ip}:50002",
        "-showcerts",
    ]
    try:
        proc = subprocess.run(cmd, input="", capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired as e:
        return _text(e.stdout) + _text(e.stderr)
    return proc.stdout + proc.stderr


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


@pytest.mark.parametrize("app_id", APPS)
def test_sidecar_serves_a_sentry_issued_spiffe_certificate(cluster: None, app_id: str) -> None:
    (pod,) = [
        p
        for p in pods(NS)
        if p["metadata"].get("annotations", {}).get("dapr.io/app-id") == app_id
        and p["status"]["phase"] == "Running"
    ][:1]
    out = _served_chain(pod["status"]["podIP"])
    certs = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", out, re.S)
    assert certs, f"no certificate served on 50002:\n{out[-2000:]}"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ca, issuer = _trust_bundle(tmp)
        leaf = tmp / "leaf.crt"
        leaf.write_text(certs[0] + "\n")
        verify = run(
            ["openssl", "verify", "-CAfile", str(ca), "-untrusted", str(issuer), str(leaf)],
            check=False,
        )
        assert verify.strip().endswith("OK"), f"not signed by the cluster's Sentry issuer: {verify}"
        text = run(
            [
                "openssl",
                "x509",
                "-in",
                str(leaf),
                "-noout",
                "-ext",
                "subjectAltName",
                "-startdate",
                "-enddate",
            ]
        )
    assert f"URI:spiffe://public/ns/{NS}/{app_id}" in text, text
    # workloadCertTTL 24h, backdated by allowedClockSkew (15m) at most.
    dates = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    fmt = "%b %d %H:%M:%S %Y %Z"
    lifetime = datetime.strptime(dates["notAfter"], fmt) - datetime.strptime(
        dates["notBefore"], fmt
    )
    assert timedelta(hours=24) <= lifetime <= timedelta(hours=24, minutes=15), lifetime
    # mTLS, not TLS: our client showed no certificate, and the sidecar refused it.
    assert "alert certificate required" in out, out[-2000:]


def test_sentry_signed_every_sidecars_certificate(cluster: None) -> None:
    (sentry,) = [p for p in pods(DAPR_NS, "app=dapr-sentry") if p["status"]["phase"] == "Running"]
    metrics = in_node("curl", "-fsS", f"http://{sentry['status']['podIP']}:9090/metrics")
    signed = sum(
        float(v)
        for v in re.findall(
            r"^dapr_sentry_cert_sign_success_total(?:\{[^}]*\})? (\S+)$", metrics, re.M
        )
    )
    sidecars = sum(1 for p in pods(NS) for c in p["spec"]["containers"] if c["name"] == "daprd")
    assert sidecars >= len(APPS)
    assert signed >= sidecars, f"sentry signed {signed} certificates for {sidecars} sidecars"
