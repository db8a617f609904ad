"""What the chart promises, read from `helm template` output for every environment."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.settings import Settings
from tests.deploy.manifests import (
    ENVIRONMENTS,
    P5,
    Manifest,
    containers,
    find,
    is_hook,
    pod_specs,
    render_ours,
)

# The services on Kafka, and every Dapr app (the MCP server publishes and subscribes nothing).
SERVICES = ("todo-api", "recurring-task-service", "notification-service")
APPS = (*SERVICES, "chatbot-mcp")
Rendered = dict[str, list[Manifest]]


def _kinds(docs: list[Manifest]) -> set[tuple[str, str]]:
    return {(d["kind"], d["metadata"]["name"]) for d in docs}


def _deployment(docs: list[Manifest], app: str) -> Manifest:
    return find(docs, "Deployment", f"phase5-{app}")


def _pod_annotations(docs: list[Manifest], app: str) -> dict[str, str]:
    annotations: dict[str, str] = _deployment(docs, app)["spec"]["template"]["metadata"][
        "annotations"
    ]
    return annotations


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_renders_the_apps_and_their_dapr_resources(
    ours: Rendered, env: str
) -> None:
    kinds = _kinds(ours[env])
    for app in APPS:
        for kind in ("Deployment", "Service", "ServiceAccount", "PodDisruptionBudget"):
            assert (kind, f"phase5-{app}") in kinds, (kind, app)
        assert ("Configuration", f"{app}-config") in kinds
    for name in ("pubsub", "workflowstore", "chatstore", "secretstore"):
        assert ("Component", name) in kinds
    assert ("Resiliency", "phase5-resiliency") in kinds
    in_cluster = {("StatefulSet", "phase5-kafka"), ("StatefulSet", "phase5-postgres")}
    assert in_cluster <= kinds if env == "local" else not (in_cluster & kinds)
    assert all(d["metadata"].get("namespace") == "phase5" for d in ours[env])


def test_the_chart_renders_no_secret_object(ours: Rendered) -> None:
    for env in ENVIRONMENTS:
        assert not [d for d in ours[env] if d["kind"] == "Secret"], env


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_env_vars_are_settings_and_never_secret_references(ours: Rendered, env: str) -> None:
    settings = set(Settings.model_fields)
    for app in APPS:
        spec = _deployment(ours[env], app)["spec"]["template"]["spec"]
        for c in containers(spec):
            for var in c.get("env", []):
                assert "valueFrom" not in var, (app, var)
                name = var["name"]
                assert name.lower() in settings or name == "PYTHONDONTWRITEBYTECODE", (app, name)
            assert "envFrom" not in c


def _metadata(component: Manifest) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in component["spec"]["metadata"]}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_component_is_scoped_and_holds_secrets_only_by_reference(
    ours: Rendered, env: str
) -> None:
    secretish = re.compile(r"password|connectionstring|secret|token|username|key", re.I)
    components = [d for d in ours[env] if d["kind"] in ("Component", "Resiliency")]
    assert len(components) == 5
    for comp in components:
        assert comp.get("scopes"), comp["metadata"]["name"]
    for comp in (d for d in components if d["kind"] == "Component"):
        for name, item in _metadata(comp).items():
            if secretish.search(name) and name != "azureClientId":
                assert set(item) == {"name", "secretKeyRef"}, (comp["metadata"]["name"], name)
    store = {d["metadata"]["name"]: d for d in components}
    assert store["workflowstore"]["scopes"] == ["recurring-task-service"]
    assert store["chatstore"]["scopes"] == ["chatbot-mcp"], "chat history is the chatbot's only"
    # The process stack's table (components/conversationstore.yaml): one schema everywhere.
    assert _metadata(store["chatstore"])["tableName"]["value"] == "chatbot_conversations"
    assert _metadata(store["workflowstore"])["actorStateStore"]["value"] == "true"
    assert sorted(store["pubsub"]["scopes"]) == sorted(SERVICES)
    assert sorted(store["secretstore"]["scopes"]) == sorted(APPS)


def test_kafka_is_in_cluster_locally_and_redpanda_with_scram_over_tls_elsewhere(
    ours: Rendered,
) -> None:
    local = _metadata(find(ours["local"], "Component", "pubsub"))
    assert local["brokers"]["value"] == "phase5-kafka:9092"
    assert local["authType"]["value"] == "none"
    for env in ("staging", "production"):
        meta = _metadata(find(ours[env], "Component", "pubsub"))
        assert meta["authType"]["value"] == "password"
        # "SCRAM-SHA-256" is not a value the component knows: it falls back to PLAIN.
        assert meta["saslMechanism"]["value"] == "SHA-256"
        assert meta["disableTls"]["value"] == "false"
        assert meta["saslPassword"]["secretKeyRef"]["name"] == "kafka-sasl-password"


def test_secret_stores_kubernetes_locally_key_vault_with_workload_identity_in_production(
    ours: Rendered,
) -> None:
    local = find(ours["local"], "Component", "secretstore")
    assert local["spec"]["type"] == "secretstores.kubernetes"
    prod = find(ours["production"], "Component", "secretstore")
    assert prod["spec"]["type"] == "secretstores.azure.keyvault"
    # One component for every app: each sidecar signs in as its own pod's identity.
    assert set(_metadata(prod)) == {"vaultName"}
    for comp in (d for d in ours["production"] if d["kind"] == "Component"):
        if comp["metadata"]["name"] != "secretstore":
            assert comp["auth"]["secretStore"] == "secretstore"
    for app in APPS:
        sa = find(ours["production"], "ServiceAccount", f"phase5-{app}")
        assert sa["metadata"]["annotations"]["azure.workload.identity/client-id"]
        labels = _deployment(ours["production"], app)["spec"]["template"]["metadata"]["labels"]
        assert labels["azure.workload.identity/use"] == "true"


def test_local_apps_read_only_their_own_secrets(ours: Rendered) -> None:
    docs = ours["local"]
    roles = {app: find(docs, "Role", f"phase5-{app}-secrets") for app in APPS}
    assert roles["recurring-task-service"]["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "verbs": ["get"],
            "resourceNames": ["database-url"],
        }
    ]
    for app in APPS:
        names = roles[app]["rules"][0]["resourceNames"]
        scope = find(docs, "Configuration", f"{app}-config")["spec"]["secrets"]["scopes"][0]
        assert scope == {
            "storeName": "secretstore",
            "defaultAccess": "deny",
            "allowedSecrets": names,
        }
    assert "smtp-password" not in roles["todo-api"]["rules"][0]["resourceNames"]
    assert roles["chatbot-mcp"]["rules"][0]["resourceNames"] == ["better-auth-secret"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_only_todo_api_may_invoke_and_sampling_follows_the_environment(
    ours: Rendered, env: str
) -> None:
    rate = {"local": "1", "staging": "1", "production": "0.01"}[env]
    for app in APPS:
        spec = find(ours[env], "Configuration", f"{app}-config")["spec"]
        acl = spec["accessControl"]
        assert acl["defaultAction"] == "deny"
        assert [(p["appId"], p["defaultAction"]) for p in acl["policies"]] == [
            ("todo-api", "allow")
        ]
        assert spec["tracing"]["samplingRate"] == rate


def _uses_jobs_or_workflows(module: str) -> bool:
    """Whether the package holding an app's entry module calls the Jobs API or hosts/starts
    workflows (read from the code, so the chart cannot drift from it)."""
    package = P5 / module.split(".")[0]
    pattern = re.compile(r"schedule_job|delete_job|WorkflowRuntime|DaprWorkflowClient")
    return any(pattern.search(p.read_text()) for p in Path(package).rglob("*.py"))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dapr_annotations(ours: Rendered, env: str) -> None:
    for app in APPS:
        deployment = _deployment(ours[env], app)
        ann = _pod_annotations(ours[env], app)
        app_container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert ann["dapr.io/enabled"] == "true" and ann["dapr.io/app-id"] == app
        assert ann["dapr.io/app-port"] == str(app_container["ports"][0]["containerPort"])
        find(ours[env], "Configuration", ann["dapr.io/config"])
        assert ann["dapr.io/log-as-json"] == "true" and ann["dapr.io/enable-metrics"] == "true"
        for key in ("cpu-request", "memory-request", "cpu-limit", "memory-limit"):
            assert ann[f"dapr.io/sidecar-{key}"]
        grace = int(ann["dapr.io/graceful-shutdown-seconds"])
        assert grace < deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        module = app_container["command"][1]
        if _uses_jobs_or_workflows(module):
            assert "dapr.io/scheduler-host-address" not in ann, app
        else:
            assert ann["dapr.io/scheduler-host-address"] == "", app
    assert not _uses_jobs_or_workflows("api.main")
    assert _uses_jobs_or_workflows("engine.service")


def _routes(module: str) -> set[str]:
    import importlib

    from fastapi import FastAPI

    app = importlib.import_module(module.split(":")[0]).app
    if isinstance(app, FastAPI):
        return set(app.openapi()["paths"])
    return {getattr(r, "path", "") for r in app.routes}  # Starlette (the MCP server)


def test_probes_hit_paths_the_apps_serve(ours: Rendered) -> None:
    for app in APPS:
        c = _deployment(ours["local"], app)["spec"]["template"]["spec"]["containers"][0]
        served = _routes(c["command"][1])
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert c[probe]["httpGet"]["path"] in served, (app, probe)
    api = _deployment(ours["local"], "todo-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_pod_is_locked_down(ours: Rendered, env: str) -> None:
    for workload, spec in pod_specs(ours[env]):
        name = workload["metadata"]["name"]
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] >= 10000, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for c in containers(spec):
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True, (name, c["name"])
            assert sc["readOnlyRootFilesystem"] is True, (name, c["name"])
            assert sc["allowPrivilegeEscalation"] is False, (name, c["name"])
            assert sc["capabilities"] == {"drop": ["ALL"]}, (name, c["name"])
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, (name, c["name"])
            assert c["resources"]["limits"] and c["resources"]["requests"], (name, c["name"])
            assert c["imagePullPolicy"] == "IfNotPresent"
        needs_token = env == "local" and workload["metadata"]["name"] in {
            f"phase5-{a}" for a in APPS
        }
        assert spec["automountServiceAccountToken"] is needs_token, name


def test_images_follow_the_local_contract(ours: Rendered) -> None:
    images = {c["image"] for _, spec in pod_specs(ours["local"]) for c in containers(spec)}
    assert images == {
        "localhost/phase5/app:0.1.0",
        "localhost/phase5/kafka:3.9.1",
        "localhost/phase5/postgres:15",
        "localhost/phase5/web:0.1.0",
    }
    commands = {
        app: _deployment(ours["local"], app)["spec"]["template"]["spec"]["containers"][0][
            "command"
        ][:2]
        for app in APPS
    }
    assert commands == {
        "todo-api": ["uvicorn", "api.main:app"],
        "recurring-task-service": ["uvicorn", "engine.service:app"],
        "notification-service": ["uvicorn", "notifications.service:app"],
        "chatbot-mcp": ["uvicorn", "chatbot.service:app"],
    }


def test_an_image_digest_pins_the_image() -> None:
    digest = "sha256:" + "ab" * 32
    docs = render_ours("production", "--set", f"image.digest={digest}")
    c = _deployment(docs, "todo-api")["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == f"phase5acr.azurecr.io/phase5/app@{digest}"
    skips = _deployment(docs, "todo-api")["metadata"]["annotations"].values()
    assert not [s for s in skips if s.startswith("CKV_K8S_43")]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_disruption_budgets_and_autoscaling(ours: Rendered, env: str) -> None:
    docs = ours[env]
    for app in APPS:
        pdb = find(docs, "PodDisruptionBudget", f"phase5-{app}")
        assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == app
        hpa = [
            d
            for d in docs
            if d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"] == f"phase5-{app}"
        ]
        if hpa:
            # The HPA owns the replica count: an upgrade must not reset it.
            assert "replicas" not in _deployment(docs, app)["spec"]
            assert hpa[0]["spec"]["scaleTargetRef"]["name"] == f"phase5-{app}"
    hpas = {d["metadata"]["name"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"}
    assert (
        hpas
        == {
            "local": set(),
            "staging": {"phase5-todo-api"},
            "production": {f"phase5-{a}" for a in APPS},
        }[env]
    )


def _policies(docs: list[Manifest]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_network_policies_deny_by_default(ours: Rendered, env: str) -> None:
    policies = _policies(ours[env])
    deny = policies["phase5-default-deny"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    api_in = policies["phase5-api-ingress"]["ingress"][0]
    assert {"podSelector": {"matchLabels": {"phase5.io/api-client": "true"}}} in api_in["from"]
    assert api_in["ports"] == [{"protocol": "TCP", "port": 8000}]
    if env == "local":
        for store, port in (("kafka", 9092), ("postgres", 5432)):
            rule = policies[f"phase5-{store}-ingress"]["ingress"]
            assert rule == [
                {
                    "from": [
                        {
                            "podSelector": {
                                "matchLabels": {
                                    f"phase5.io/{store}-client": "true",
                                    "app.kubernetes.io/instance": "phase5",
                                }
                            }
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": port}],
                }
            ]
        labelled = {
            w["metadata"]["name"]
            for w, _ in pod_specs(ours[env])
            if w["kind"] != "Pod"
            and w["spec"]["template"]["metadata"]["labels"].get("phase5.io/kafka-client")
        }
        # The apps, and the lag exporter, which reads offsets (monitoring/exporter.py).
        assert labelled == {f"phase5-{a}" for a in SERVICES} | {"phase5-kafka-lag-exporter"}
    labels = {
        app: _deployment(ours[env], app)["spec"]["template"]["metadata"]["labels"] for app in APPS
    }
    assert {k: v for k, v in labels["chatbot-mcp"].items() if k.startswith("phase5.io/")} == {
        "phase5.io/dapr": "true",
        "phase5.io/postgres-client": "true",
        "phase5.io/api-client": "true",
    }
    # Kafka and PostgreSQL egress follow the client labels, not the Dapr one.
    for store in ("kafka", "postgres"):
        if f"phase5-{store}-clients-egress" in policies:
            selector = policies[f"phase5-{store}-clients-egress"]["podSelector"]["matchLabels"]
            assert selector == {
                f"phase5.io/{store}-client": "true",
                "app.kubernetes.io/instance": "phase5",
            }
    dapr_egress = json.dumps(policies["phase5-dapr-apps-egress"]["egress"])
    assert "9092" not in dapr_egress and "5432" not in dapr_egress
    mcp_in = policies["phase5-chatbot-mcp-ingress"]
    assert mcp_in["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "chatbot-mcp"
    assert mcp_in["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"phase5.io/mcp-client": "true"}}}],
            "ports": [{"protocol": "TCP", "port": 8003}],
        }
    ]


@pytest.mark.parametrize("env", ("staging", "production"))
def test_ingress_has_tls_from_cert_manager(ours: Rendered, env: str) -> None:
    ingress = find(ours[env], "Ingress", "phase5-api")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    assert not [d for d in ours["local"] if d["kind"] == "Ingress"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_mcp_sessions_stay_on_the_replica_that_holds_them(ours: Rendered, env: str) -> None:
    svc = find(ours[env], "Service", "phase5-chatbot-mcp")
    assert svc["spec"]["sessionAffinity"] == "ClientIP"
    assert svc["spec"]["ports"][0]["port"] == 8003
    assert "sessionAffinity" not in find(ours[env], "Service", "phase5-todo-api")["spec"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_web_app_reaches_only_the_api(ours: Rendered, env: str) -> None:
    web = find(ours[env], "Deployment", "phase5-web")
    pod = web["spec"]["template"]
    assert pod["metadata"]["labels"]["phase5.io/api-client"] == "true"
    assert "dapr.io/enabled" not in pod["metadata"].get("annotations", {})
    env_vars = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    # Kubernetes sets HOSTNAME to the pod name; Next's standalone server binds HOSTNAME.
    assert env_vars["HOSTNAME"] == "0.0.0.0"
    assert env_vars["API_URL"] == "http://phase5-todo-api:8000"
    policies = _policies(ours[env])
    # Its egress is the api-clients rule (todo-api:8000) and DNS, nothing else.
    clients = policies["phase5-api-clients-egress"]
    assert clients["podSelector"] == {"matchLabels": {"phase5.io/api-client": "true"}}
    assert clients["egress"][0]["ports"] == [{"protocol": "TCP", "port": 8000}]
    web_in = policies["phase5-web-ingress"]
    if env == "local":
        assert web_in["ingress"] == []  # port-forward only
    else:
        assert web_in["ingress"][0]["from"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ]
        ingress = find(ours[env], "Ingress", "phase5-api")
        paths = {
            p["path"]: p["backend"]["service"]["name"]
            for p in ingress["spec"]["rules"][0]["http"]["paths"]
        }
        assert paths == {"/api": "phase5-todo-api", "/": "phase5-web"}


def test_the_test_mailbox_never_runs_in_production(ours: Rendered) -> None:
    assert ("Deployment", "phase5-mailbox") in _kinds(ours["local"])
    assert ("Deployment", "phase5-mailbox") not in _kinds(ours["production"])


def test_helm_test_checks_the_api_is_ready(ours: Rendered) -> None:
    hooks = [d for d in ours["local"] if is_hook(d)]
    assert [h["metadata"]["annotations"]["helm.sh/hook"] for h in hooks] == ["test"]
    script = hooks[0]["spec"]["containers"][0]["command"][-1]
    assert "http://phase5-todo-api:8000/readyz" in script


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_helm_lint_strict_passes(env: str) -> None:
    import subprocess

    from tests.deploy.manifests import HELM, OUR_CHART, ensure_tools

    ensure_tools()
    values = OUR_CHART / f"values-{env}.yaml"
    run = subprocess.run(
        [str(HELM), "lint", str(OUR_CHART), "--strict", "-f", str(values)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 chart(s) failed" in run.stdout


def test_app_commands_are_valid_uvicorn_invocations_of_importable_apps(ours: Rendered) -> None:
    from uvicorn.importer import import_from_string
    from uvicorn.main import main

    for app in APPS:
        spec = _deployment(ours["local"], app)["spec"]["template"]["spec"]
        command = spec["containers"][0]["command"]
        assert command[0] == "uvicorn"
        ctx = main.make_context("uvicorn", list(command[1:]))  # rejects unknown options
        assert ctx.params["host"] == "0.0.0.0"
        assert ctx.params["port"] == spec["containers"][0]["ports"][0]["containerPort"]
        assert ctx.params["timeout_graceful_shutdown"] < spec["terminationGracePeriodSeconds"]
        served = import_from_string(ctx.params["app"])
        if app == "chatbot-mcp":  # Starlette: no title; its health route is its mark
            assert "/healthz" in {getattr(r, "path", "") for r in served.routes}
        else:
            assert served.title == app


@pytest.mark.parametrize(
    ("env", "link_base"),
    [
        ("local", "http://localhost:3000"),
        ("staging", "https://staging.todo.example"),
        ("production", "https://todo.example"),
    ],
)
def test_reminder_links_open_the_web_app(ours: Rendered, env: str, link_base: str) -> None:
    pod = _deployment(ours[env], "notification-service")["spec"]["template"]["spec"]
    app = next(c for c in pod["containers"] if c["name"] != "daprd")
    values = {e["name"]: e.get("value") for e in app["env"]}
    assert values["WEB_BASE_URL"] == link_base


def test_the_pipelines_azure_overlay_reaches_every_app(tmp_path: Path) -> None:
    """deploy.yml renders production with Terraform's `helm_values` output (-f) and the ACR
    images (--set-string): each app then runs as the ServiceAccount its own identity is
    federated to, with that identity's client id, the vault Terraform made, and the images
    the pipeline pushed."""
    apps = (*SERVICES, "chatbot-mcp")
    overlay = {
        "azure": {
            "tenantId": "tenant",
            "keyVaultName": "kv-todo-prod-01",
            "identities": {a: {"clientId": f"id-{a}", "serviceAccount": a} for a in apps},
        }
    }
    values = tmp_path / "azure-values.json"
    values.write_text(json.dumps(overlay))
    docs = render_ours(
        "production",
        "-f",
        str(values),
        "--set-string",
        "image.repository=acr.example/app",
        "--set-string",
        "web.image.repository=acr.example/web",
        "--set-string",
        "image.tag=abc",
        "--set-string",
        "web.image.tag=abc",
    )
    for app in apps:
        sa = find(docs, "ServiceAccount", app)
        assert sa["metadata"]["annotations"]["azure.workload.identity/client-id"] == f"id-{app}"
        pod = _deployment(docs, app)["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == app
        assert next(c for c in pod["containers"] if c["name"] != "daprd")["image"].startswith(
            "acr.example/app"
        )
    web = find(docs, "Deployment", "phase5-web")["spec"]["template"]["spec"]
    assert web["containers"][0]["image"].startswith("acr.example/web")
    store = next(
        d for d in docs if d["kind"] == "Component" and d["spec"]["type"].startswith("secretstores")
    )
    meta = {m["name"]: m.get("value") for m in store["spec"]["metadata"]}
    assert meta == {"vaultName": "kv-todo-prod-01"}, "no client id pinned: each pod's own"
