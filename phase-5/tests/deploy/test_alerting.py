"""The chart's alerting and scraping objects for kube-prometheus-stack, and the network
paths observability needs:
- the AlertmanagerConfig, PodMonitor and PrometheusRule validate against the Prometheus
  Operator's own CRD schemas (v0.85.0, from the Go module proxy);
- every receiver credential is a secretKeyRef, nothing inline; routes and timings are the
  ones the process stack's Alertmanager runs (scripts/lib/stack.sh), whose generated config
  `amtool check-config` accepts and which reads its secrets from files only;
- the Kafka lag exporter's pod reaches only Kafka and is reached only by monitoring;
- app pods may send spans to the environment's trace collector, and nowhere new."""

import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import (
    CACHE,
    ENVIRONMENTS,
    OUR_CHART,
    P5,
    CrdSchemas,
    Manifest,
    _strict,
    render_ours,
)

OPERATOR_VERSION = "0.85.0"
OPERATOR_APIS = (
    "--api-versions",
    "monitoring.coreos.com/v1alpha1/AlertmanagerConfig",
    "--api-versions",
    "monitoring.coreos.com/v1/PodMonitor",
    "--api-versions",
    "monitoring.coreos.com/v1/PrometheusRule",
)


@cache
def operator_crds() -> CrdSchemas:
    mod = CACHE / "go" / "mod"
    env = {**os.environ, "GOMODCACHE": str(mod), "GOFLAGS": "-mod=mod"}
    module = f"github.com/prometheus-operator/prometheus-operator@v{OPERATOR_VERSION}"
    subprocess.run(["go", "mod", "download", module], check=True, env=env, cwd="/tmp")
    by_kind: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((mod / module / "example" / "prometheus-operator-crd").glob("*.yaml")):
        crd = yaml.load(path.read_text(), Loader=_CrdLoader)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = version["schema"]["openAPIV3Schema"]
            by_kind[(f"{group}/{version['name']}", kind)] = _strict(schema)
    return CrdSchemas(by_kind)


class _CrdLoader(yaml.SafeLoader):
    """The operator's CRDs list matchType values such as `=`, which YAML 1.1 tags as the
    obsolete "value" type; PyYAML has no constructor for it: read it as the string it is."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", _CrdLoader.construct_yaml_str)


def _kind(docs: list[Manifest], kind: str) -> list[Manifest]:
    return [d for d in docs if d["kind"] == kind]


@pytest.fixture(scope="module")
def with_operator() -> dict[str, list[Manifest]]:
    return {env: render_ours(env, *OPERATOR_APIS) for env in ENVIRONMENTS}


def test_operator_objects_validate_against_the_operators_crds(
    with_operator: dict[str, list[Manifest]],
) -> None:
    crds = operator_crds()
    for env, docs in with_operator.items():
        ours = [d for d in docs if d["apiVersion"].startswith("monitoring.coreos.com/")]
        kinds = {d["kind"] for d in ours}
        expected = {"AlertmanagerConfig", "PrometheusRule"}
        if env == "local":  # the lag exporter runs where Kafka is in-cluster
            expected.add("PodMonitor")
        assert kinds == expected, env
        for doc in ours:
            assert crds.errors(doc) == [], f"{env} {doc['kind']}"


def test_no_operator_objects_without_the_operator(ours: dict[str, list[Manifest]]) -> None:
    for env, docs in ours.items():
        assert not [d for d in docs if d["apiVersion"].startswith("monitoring.coreos.com/")], env


def _refs(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [(f"{path}/{k}", v) for k, v in node.items()] + [
            r for k, v in node.items() for r in _refs(v, f"{path}/{k}")
        ]
    if isinstance(node, list):
        return [r for i, v in enumerate(node) for r in _refs(v, f"{path}/{i}")]
    return []


def test_receivers_take_every_credential_from_the_secret(
    with_operator: dict[str, list[Manifest]],
) -> None:
    for env, docs in with_operator.items():
        (amc,) = _kind(docs, "AlertmanagerConfig")
        receivers = {r["name"]: r for r in amc["spec"]["receivers"]}
        assert set(receivers) == {"oncall-chat", "oncall-pager"}
        chat, pager = receivers["oncall-chat"], receivers["oncall-pager"]
        # email + a webhook on both: chat (Slack) for warnings, the pager for critical
        assert chat["slackConfigs"] and chat["emailConfigs"], env
        assert pager["pagerdutyConfigs"] and pager["emailConfigs"], env
        creds = [
            chat["slackConfigs"][0]["apiURL"],
            pager["pagerdutyConfigs"][0]["routingKey"],
            chat["emailConfigs"][0]["authPassword"],
            pager["emailConfigs"][0]["authPassword"],
        ]
        for ref in creds:
            assert set(ref) == {"name", "key"} and ref["name"] == "phase5-alertmanager", ref
        # Nothing that looks like a credential is written inline anywhere.
        for path, value in _refs(amc["spec"]):
            if isinstance(value, str):
                assert not re.match(r"https?://", value), f"inline URL at {path}"
            if path.rsplit("/", 1)[-1] in {"authPassword", "apiURL", "routingKey", "url"}:
                assert isinstance(value, dict), f"{path} must be a secretKeyRef"


def _local_alertmanager(tmp: Path) -> tuple[str, dict[str, Any]]:
    """The process stack's generated config (scripts/lib/stack.sh), with its secret files."""
    script = (
        "source scripts/lib/common.sh; source scripts/lib/procs.sh; source scripts/lib/stack.sh;"
        " ensure_alertmanager_secrets; alertmanager_config"
    )
    env = {**os.environ, "P5_STATE": str(tmp)}
    out = subprocess.run(
        ["bash", "-c", script], cwd=P5, env=env, check=True, capture_output=True, text=True
    ).stdout
    return out, yaml.safe_load(out)


def test_the_local_alertmanager_routes_like_the_chart_and_reads_secrets_from_files(
    with_operator: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    text, local = _local_alertmanager(tmp_path)
    path = tmp_path / "alertmanager.yml"
    path.write_text(text)
    amtool = CACHE / "bin" / "amtool"
    if not amtool.exists():  # a cached build; the install script is a no-op once it exists
        subprocess.run(["bash", str(P5 / "scripts" / "install-alertmanager.sh")], check=True)
    check = subprocess.run([str(amtool), "check-config", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    (amc,) = _kind(with_operator["production"], "AlertmanagerConfig")
    chart = amc["spec"]["route"]
    route = local["route"]
    assert route["group_by"] == chart["groupBy"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == (
        chart["groupWait"],
        chart["groupInterval"],
        chart["repeatInterval"],
    )
    (critical,) = route["routes"]
    assert critical["matchers"] == ['severity="critical"']
    assert critical["receiver"] == "oncall-pager"
    assert critical["repeat_interval"] == chart["routes"][0]["repeatInterval"]
    # Sane: group quickly, re-tell rarely, page more often than chat.
    assert chart["groupWait"] == "30s" and chart["groupInterval"] == "5m"
    assert chart["repeatInterval"] == "4h" and chart["routes"][0]["repeatInterval"] == "1h"

    # Every URL and password is a file under the state's secrets dir, 0600, not in the config.
    files = [v for k, v in _refs(local) if isinstance(v, str) and k.endswith("_file")]
    assert len(files) == 3
    for f in files:
        p = Path(f)
        assert p.is_relative_to(tmp_path / "secrets") and p.stat().st_mode & 0o077 == 0
        assert p.read_text().strip() and p.read_text().strip() not in text
    assert not re.search(r"url:\s*http", text), "webhook URL inline"


def test_the_lag_exporter_reaches_only_kafka_and_only_monitoring_reaches_it() -> None:
    docs = render_ours("local", "--set", "networkPolicy.monitoringNamespace=monitoring")
    (pol,) = [
        d
        for d in _kind(docs, "NetworkPolicy")
        if d["metadata"]["name"] == "phase5-kafka-lag-exporter"
    ]
    (egress,) = pol["spec"]["egress"]
    assert egress["to"] == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "kafka",
                    "app.kubernetes.io/instance": "phase5",
                }
            }
        }
    ]
    assert egress["ports"] == [{"protocol": "TCP", "port": 9092}]
    (ingress,) = pol["spec"]["ingress"]
    assert ingress["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]
    (deploy,) = [
        d for d in _kind(docs, "Deployment") if d["metadata"]["name"].endswith("lag-exporter")
    ]
    pod = deploy["spec"]["template"]
    # The Kafka broker's ingress policy admits it by this label.
    assert pod["metadata"]["labels"]["phase5.io/kafka-client"] == "true"
    assert pod["spec"]["automountServiceAccountToken"] is False


def test_external_kafka_needs_the_exporters_sasl_secret() -> None:
    with pytest.raises(subprocess.CalledProcessError) as err:
        render_ours("staging", "--set", "monitoring.kafkaLagExporter.enabled=true")
    assert "sasl.secretName" in err.value.stderr
    docs = render_ours(
        "staging",
        "--set",
        "monitoring.kafkaLagExporter.enabled=true",
        "--set",
        "monitoring.kafkaLagExporter.sasl.secretName=lag-sasl",
    )
    (deploy,) = [
        d for d in _kind(docs, "Deployment") if d["metadata"]["name"].endswith("lag-exporter")
    ]
    spec = deploy["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
    assert env["KAFKA_SASL_DIR"] == "/var/run/secrets/kafka"
    assert not [k for k in env if "PASSWORD" in k or "USERNAME" in k], "credentials as env"
    (vol,) = [v for v in spec["volumes"] if "secret" in v]
    assert vol["secret"]["secretName"] == "lag-sasl"


def _apps_egress(docs: list[Manifest]) -> list[dict[str, Any]]:
    (pol,) = [
        d
        for d in _kind(docs, "NetworkPolicy")
        if d["metadata"]["name"] == "phase5-dapr-apps-egress"
    ]
    rules: list[dict[str, Any]] = pol["spec"]["egress"]
    return rules


@pytest.mark.parametrize("env", ["staging", "production"])
def test_app_pods_may_export_spans_to_their_environments_collector(env: str) -> None:
    values = yaml.safe_load((OUR_CHART / f"values-{env}.yaml").read_text())
    endpoint = values["tracing"]["zipkinEndpoint"]
    port = int(re.search(r":(\d+)/", endpoint).group(1))  # type: ignore[union-attr]
    rules = _apps_egress(render_ours(env))
    collector = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "opentelemetry-collector"}},
    }
    (rule,) = [r for r in rules if collector in r.get("to", [])]
    assert rule["ports"] == [{"protocol": "TCP", "port": port}]


def test_no_trace_egress_without_an_endpoint_and_none_without_a_destination() -> None:
    local = _apps_egress(render_ours("local"))
    assert not [r for r in local if {"protocol": "TCP", "port": 9411} in r.get("ports", [])]
    with pytest.raises(subprocess.CalledProcessError) as err:
        render_ours(
            "local", "--set", "tracing.zipkinEndpoint=http://zipkin.tracing:9411/api/v2/spans"
        )
    assert "tracing.egress" in err.value.stderr
    rules = _apps_egress(
        render_ours(
            "local",
            "--set",
            "tracing.zipkinEndpoint=http://zipkin.tracing:9411/api/v2/spans",
            "--set",
            "tracing.egress.namespace=tracing",
        )
    )
    (rule,) = [r for r in rules if {"protocol": "TCP", "port": 9411} in r["ports"]]
    assert rule["to"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "tracing"}}}
    ]
