"""The AKS root module, parsed (python-hcl2) and asserted: zones, autoscaling, retention,
identities, Key Vault, secrets and outputs. `tofu validate` needs the azurerm provider from
a provider registry (not reachable here), so these tests are what stands between a typo in
a security property and production; test_terraform_checks.py runs the tools themselves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.settings import Settings
from notifications import secrets as notification_secrets
from tests.deploy.terraform_hcl import ENVIRONMENTS, MODULE, Module, backend, module, refs, tfvars

AUDIENCE = "api://AzureADTokenExchange"
APP_IDS = {"todo-api", "recurring-task-service", "notification-service", "chatbot-mcp"}


@pytest.fixture(scope="module")
def m() -> Module:
    return module()


def block(body: dict[str, Any], name: str) -> dict[str, Any]:
    """A nested block that occurs once (python-hcl2 gives blocks as lists)."""
    blocks = body[name]
    assert isinstance(blocks, list) and len(blocks) == 1, f"{name}: expected one block"
    return blocks[0]


# ---- the module's shape -------------------------------------------------------------------


def test_azurerm_provider_is_pinned_to_major_4_and_state_is_remote(m: Module) -> None:
    (tf,) = m.terraform
    providers = tf["required_providers"][0]
    assert re.fullmatch(r"~> 4\.\d+", providers["azurerm"]["version"])
    assert providers["azurerm"]["source"] == "hashicorp/azurerm"
    assert "azurerm" in tf["backend"][0]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_backend_per_environment_uses_entra_id_and_its_own_state_blob(env: str) -> None:
    cfg = backend(env)
    assert cfg["use_azuread_auth"] is True
    assert cfg["key"] == f"{env}/aks.tfstate"
    assert "access_key" not in cfg and "sas_token" not in cfg


def test_every_variable_is_typed_described_and_validated(m: Module) -> None:
    assert len(m.variables) >= 20
    for name, var in m.variables.items():
        assert var.get("type"), f"{name} has no type"
        assert len(var.get("description", "")) > 10, f"{name} has no description"
        assert var.get("validation"), f"{name} has no validation"
        for rule in var["validation"]:
            assert f"var.{name}" in rule["condition"], f"{name}'s validation ignores it"
            assert rule["error_message"].endswith("."), name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_files_set_only_declared_non_secret_variables(m: Module, env: str) -> None:
    values = tfvars(env)
    assert values["environment"] == env
    assert set(values) <= set(m.variables), set(values) - set(m.variables)
    for name in values:
        assert not m.variables[name].get("sensitive"), f"{env}.tfvars sets secret {name}"
    # Both environments define the same things; only the values differ.
    assert set(values) == set(tfvars("staging"))


# ---- AKS --------------------------------------------------------------------------------


def test_both_pools_span_zones_1_to_3_with_autoscaling(m: Module) -> None:
    assert m.locals["zones"] == ["1", "2", "3"]
    aks = m.resource("azurerm_kubernetes_cluster", "this")
    system = block(aks, "default_node_pool")
    user = m.resource("azurerm_kubernetes_cluster_node_pool", "user")
    for pool, var in ((system, "system_pool"), (user, "user_pool")):
        assert pool["zones"] == "${local.zones}"
        assert pool["auto_scaling_enabled"] is True
        assert pool["min_count"] == f"${{var.{var}.min_count}}"
        assert pool["max_count"] == f"${{var.{var}.max_count}}"
    assert system["only_critical_addons_enabled"] is True
    assert user["mode"] == "User"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_environment_keeps_a_node_per_zone_and_room_to_scale(env: str) -> None:
    values = tfvars(env)
    for pool in ("system_pool", "user_pool"):
        assert values[pool]["min_count"] >= 3
        assert values[pool]["max_count"] > values[pool]["min_count"]


def test_cluster_signs_in_through_entra_id_with_workload_identity(m: Module) -> None:
    aks = m.resource("azurerm_kubernetes_cluster", "this")
    assert aks["oidc_issuer_enabled"] is True
    assert aks["workload_identity_enabled"] is True
    assert aks["local_account_disabled"] is True
    assert (
        block(aks, "azure_active_directory_role_based_access_control")["azure_rbac_enabled"] is True
    )
    provider = block(aks, "key_vault_secrets_provider")
    assert provider["secret_rotation_enabled"] is True
    assert (
        block(aks, "oms_agent")["log_analytics_workspace_id"]
        == "${azurerm_log_analytics_workspace.this.id}"
    )


def test_kubelet_pulls_from_the_registry_with_acr_pull(m: Module) -> None:
    grant = m.resource("azurerm_role_assignment", "kubelet_acr_pull")
    assert grant["role_definition_name"] == "AcrPull"
    assert grant["scope"] == "${azurerm_container_registry.this.id}"
    assert "kubelet_identity[0].object_id" in grant["principal_id"]
    assert m.resource("azurerm_container_registry", "this")["admin_enabled"] is False


# ---- logs: 30 days --------------------------------------------------------------------------


def test_logs_and_traces_are_kept_30_days(m: Module) -> None:
    assert m.variables["log_retention_days"]["default"] == 30
    for env in ENVIRONMENTS:
        assert tfvars(env).get("log_retention_days", 30) == 30
    workspace = m.resource("azurerm_log_analytics_workspace", "this")
    insights = m.resource("azurerm_application_insights", "this")
    assert workspace["retention_in_days"] == "${var.log_retention_days}"
    assert insights["retention_in_days"] == "${var.log_retention_days}"
    assert insights["workspace_id"] == "${azurerm_log_analytics_workspace.this.id}"
    # Container Insights through the data collection rule, ContainerLogV2 (JSON lines).
    assert "Microsoft-ContainerLogV2" in m.locals["container_insights_streams"]
    association = m.resource(
        "azurerm_monitor_data_collection_rule_association", "container_insights"
    )
    assert association["target_resource_id"] == "${azurerm_kubernetes_cluster.this.id}"


# ---- identities ---------------------------------------------------------------------------


def test_one_identity_per_service_federated_to_its_service_account(m: Module) -> None:
    assert set(m.variables["services"]["default"]) == APP_IDS
    identity = m.resource("azurerm_user_assigned_identity", "service")
    assert identity["for_each"] == "${var.services}"
    cred = m.resource("azurerm_federated_identity_credential", "service")
    assert cred["for_each"] == "${var.services}"
    assert (
        cred["user_assigned_identity_id"]
        == "${azurerm_user_assigned_identity.service[each.key].id}"
    )
    assert (
        cred["subject"]
        == "system:serviceaccount:${var.app_namespace}:${each.value.service_account}"
    )
    assert cred["audience"] == ["${local.token_exchange_audience}"]
    assert m.locals["token_exchange_audience"] == AUDIENCE
    assert cred["issuer"] == "${azurerm_kubernetes_cluster.this.oidc_issuer_url}"


def test_deployer_is_trusted_only_from_its_github_environment(m: Module) -> None:
    cred = m.resource("azurerm_federated_identity_credential", "deployer")
    assert cred["issuer"] == "https://token.actions.githubusercontent.com"
    assert cred["subject"] == "repo:${var.github_repository}:environment:${var.environment}"
    assert cred["audience"] == ["${local.token_exchange_audience}"]


def names_the_apps_read() -> set[str]:
    settings = Settings()
    names = {settings.database_url_secret, settings.auth_secret_name, "dapr-state-connection"}
    names |= {
        getattr(notification_secrets, n) for n in dir(notification_secrets) if n.endswith("_NAME")
    }
    return names


def test_vault_holds_every_secret_the_apps_and_components_ask_for(m: Module) -> None:
    groups = m.locals["secret_groups"]
    assert names_the_apps_read() <= set(groups), names_the_apps_read() - set(groups)
    assert {"kafka-brokers", "kafka-sasl-username", "kafka-sasl-password"} <= set(groups)
    assert set(groups) == set(m.locals["secret_values"])
    assert set(groups.values()) == set(m.variables["secret_versions"]["default"])


def test_each_service_reads_only_the_secrets_it_needs(m: Module) -> None:
    per_service = m.locals["service_secrets"]
    assert set(per_service) == APP_IDS
    groups = set(m.locals["secret_groups"])
    for svc, names in per_service.items():
        assert set(names) <= groups, svc
    assert "better-auth-secret" not in per_service["notification-service"]
    assert "smtp-password" not in per_service["todo-api"]
    assert "vapid-private-key" not in per_service["todo-api"]
    assert per_service["chatbot-mcp"] == ["better-auth-secret"]
    # The MCP server publishes nothing: no Redpanda credentials for its sidecar.
    assert m.locals["component_secrets"]["chatbot-mcp"] == ["dapr-state-connection"]
    assert set(m.locals["component_secrets"]) == APP_IDS
    grant = m.resource("azurerm_role_assignment", "service_secret")
    assert grant["role_definition_name"] == "Key Vault Secrets User"
    # Scoped to one secret, never to the vault.
    assert grant["scope"] == "${azurerm_key_vault.this.id}/secrets/${each.value.secret}"


# ---- Key Vault and secrets ----------------------------------------------------------------


def test_key_vault_uses_rbac_soft_delete_and_purge_protection(m: Module) -> None:
    kv = m.resource("azurerm_key_vault", "this")
    assert kv["rbac_authorization_enabled"] is True
    assert kv["soft_delete_retention_days"] == 90
    assert kv["purge_protection_enabled"] is True
    assert "access_policy" not in kv
    assert block(kv, "network_acls")["default_action"] == "Deny"


def test_every_secret_expires_90_days_after_it_was_written(m: Module) -> None:
    expiry = m.resource("time_offset", "secret_expiry")
    assert expiry["offset_days"] == 90
    assert expiry["for_each"] == "${{for group, version in var.secret_versions : group => version}}"
    # A new version of a group moves its expiry: the offset restarts when the number changes.
    assert expiry["triggers"] == {"version": "${tostring(each.value)}"}
    secrets = m.resources["azurerm_key_vault_secret"]
    assert secrets
    for name, secret in secrets.items():
        assert secret["expiration_date"].startswith("${time_offset.secret_expiry["), name
        assert secret["expiration_date"].endswith("].rfc3339}"), name
        assert secret["content_type"], name


def test_secret_values_go_through_write_only_attributes(m: Module) -> None:
    secret = m.resource("azurerm_key_vault_secret", "this")
    assert secret["value_wo"] == "${local.secret_values[each.key]}"
    assert secret["value_wo_version"] == "${var.secret_versions[each.value]}"
    assert "value" not in secret
    db = m.resource("azurerm_postgresql_flexible_server", "this")
    assert db["administrator_password_wo"] == "${ephemeral.random_password.database.result}"
    assert "administrator_password" not in db
    # Generated secrets are ephemeral resources: never in the plan or the state.
    assert set(m.ephemerals["random_password"]) == {"database", "auth"}


SECRET_INPUTS = {
    "redpanda_bootstrap_url",
    "redpanda_sasl_username",
    "redpanda_sasl_password",
    "smtp_password",
    "vapid_private_key_pem",
}


def test_redpanda_and_other_credentials_are_sensitive_ephemeral_inputs(m: Module) -> None:
    for name in SECRET_INPUTS:
        var = m.variables[name]
        assert var["sensitive"] is True, name
        assert var["ephemeral"] is True, name
        assert "default" not in var, name
    # Exactly these inputs are secret.
    assert {n for n, v in m.variables.items() if v.get("sensitive")} == SECRET_INPUTS


def test_secret_inputs_reach_key_vault_only(m: Module) -> None:
    # Where each secret input is used: only in local.secret_values, whose only reader is the
    # write-only value of the vault's secrets.
    for name in SECRET_INPUTS:
        users = [f for f, text in m.text.items() if re.search(rf"\bvar\.{name}\b", text)]
        assert users == ["keyvault.tf", "variables.tf"], (name, users)
    kv_text = m.text["keyvault.tf"]
    for name in SECRET_INPUTS:
        uses = re.findall(rf".*\bvar\.{name}\b.*", kv_text)
        assert all(re.match(r'\s*"[a-z-]+"\s*=', u) for u in uses), uses
    readers = [f for f, text in m.text.items() if "local.secret_values" in text]
    assert readers == ["keyvault.tf"]
    assert kv_text.count("local.secret_values") == 1


def test_no_output_carries_a_secret(m: Module) -> None:
    forbidden = {f"var.{n}" for n in SECRET_INPUTS} | {
        "local.secret_values",
        "ephemeral.random_password.database",
        "ephemeral.random_password.auth",
        "azurerm_application_insights.this",
    }
    for name, output in m.outputs.items():
        assert output.get("description"), name
        assert not output.get("sensitive"), f"{name} is sensitive: secrets belong in Key Vault"
        assert not output.get("ephemeral"), name
        used = refs(output["value"])
        assert not any(u.startswith(f) for u in used for f in forbidden), (name, used)
        assert "connection_string" not in repr(output["value"]), name


SECRET_LITERALS = [
    # A PEM header followed by key material (a bare header is the validation's prefix check).
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----(\\n|\s)+[A-Za-z0-9+/]{16,}",
    r"(?i)(password|secret|token|sas|access_key|client_secret)\s*=\s*\"[^\"$]{6,}\"",
    r"(?i)AccountKey=",
    r"(?i)SharedAccessSignature|sig=[A-Za-z0-9%]{20,}",
    r"postgres(ql)?(\+asyncpg)?://[^:$]+:[^@${]+@",
    r"InstrumentationKey=[0-9a-f-]{36}",
]


def test_no_secret_literal_in_any_terraform_file() -> None:
    files = [*MODULE.glob("*.tf"), *MODULE.glob("environments/*")]
    assert len(files) > 10
    for path in files:
        text = path.read_text()
        for pattern in SECRET_LITERALS:
            assert not re.search(pattern, text), f"{path.name}: {pattern}"


def test_the_secret_literal_scan_would_catch_one() -> None:
    planted = [
        'x = "-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0w"',
        'administrator_password = "hunter2hunter2"',
        'x = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc"',
        'x = "https://a.blob.core.windows.net/c?sv=2022&sig=abcdefghijklmnopqrstuvwxyz0123"',
        'x = "postgresql+asyncpg://todo:pw123@db/todo"',
        'x = "InstrumentationKey=00000000-0000-0000-0000-000000000000"',
    ]
    for pattern, text in zip(SECRET_LITERALS, planted, strict=True):
        assert re.search(pattern, text), pattern


# ---- outputs the pipeline consumes ---------------------------------------------------------


def test_pipeline_outputs_name_what_deploy_needs(m: Module) -> None:
    pipeline = m.outputs["pipeline_variables"]["value"]
    assert {
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID",
        "ACR_NAME",
        "ACR_LOGIN_SERVER",
        "AKS_RESOURCE_GROUP",
        "AKS_CLUSTER_NAME",
        "KEY_VAULT_NAME",
        "APP_NAMESPACE",
        "PUBLIC_HOSTNAME",
    } <= set(pipeline)
    assert pipeline["AZURE_CLIENT_ID"] == "${azurerm_user_assigned_identity.deployer.client_id}"
    helm = m.outputs["helm_values"]["value"]["azure"]
    assert helm["keyVaultName"] == "${azurerm_key_vault.this.name}"
    assert "azurerm_user_assigned_identity.service[svc].client_id" in repr(helm["identities"])


def test_role_names_are_built_in_roles(m: Module) -> None:
    # A misspelt role name fails only at apply time; these are the built-ins we rely on.
    known = {
        "AcrPull",
        "AcrPush",
        "Network Contributor",
        "Key Vault Secrets User",
        "Key Vault Secrets Officer",
        "Azure Kubernetes Service Cluster User Role",
        "Azure Kubernetes Service RBAC Cluster Admin",
    }
    used: set[str] = set()
    for body in m.resources["azurerm_role_assignment"].values():
        role = body.get("role_definition_name", "")
        if role.startswith("${"):
            used |= set(re.findall(r'role = "([^"]+)"', m.all_text()))
        else:
            used.add(role)
    assert used and used <= known, used - known


def test_globally_unique_names_fit_azure_limits_with_the_longest_inputs(m: Module) -> None:
    # Key Vault: 3-24 characters; ACR: 5-50 alphanumerics. Longest prefix (8) and suffix (6).
    longest = {"var.name_prefix": "a" * 8, "var.unique_suffix": "b" * 6}
    kv_name = m.resource("azurerm_key_vault", "this")["name"]
    acr_name = m.resource("azurerm_container_registry", "this")["name"]
    assert "${local.env_short}" in kv_name
    for env, short in (("staging", "stg"), ("production", "prd")):
        values = {**longest, "local.env_short": short, "var.environment": env}
        kv, acr = kv_name, acr_name
        for ref, value in values.items():
            kv, acr = kv.replace(f"${{{ref}}}", value), acr.replace(f"${{{ref}}}", value)
        assert "$" not in kv + acr
        assert re.fullmatch(r"[a-z][a-z0-9-]{2,23}", kv), kv
        assert re.fullmatch(r"[a-z0-9]{5,50}", acr), acr


# ---- attribute names against the provider's documented arguments ---------------------------
# Without the provider (no registry here), nothing else would notice a misspelt or removed
# argument before an apply. azurerm_arguments.json lists the argument names of the resource
# types we use, taken from the provider's v4.81.0 documentation.

META_ARGUMENTS = {"for_each", "count", "depends_on", "lifecycle", "provider", "dynamic"}


def undocumented(
    rtype: str, body: dict[str, Any], documented: set[str], path: str = ""
) -> list[str]:
    found = []
    for key, value in body.items():
        if key in META_ARGUMENTS and not path:
            continue
        if key not in documented:
            found.append(f"{rtype}{path}.{key}")
        if key != "tags" and isinstance(value, list) and value and isinstance(value[0], dict):
            for nested in value:
                found += undocumented(rtype, nested, documented, f"{path}.{key}")
    return found


@pytest.fixture(scope="module")
def documented() -> dict[str, set[str]]:
    data = json.loads((Path(__file__).parent / "azurerm_arguments.json").read_text())
    assert data["version"].startswith("4.")
    return {rtype: set(names) for rtype, names in data["arguments"].items()}


def test_every_azurerm_argument_is_a_documented_one(
    m: Module, documented: dict[str, set[str]]
) -> None:
    problems = []
    for rtype, named in m.resources.items():
        if not rtype.startswith("azurerm_"):
            continue
        assert rtype in documented, f"{rtype}: add its documented arguments to the list"
        for body in named.values():
            problems += undocumented(rtype, body, documented[rtype])
    assert not problems, problems


def test_the_argument_check_catches_a_misspelling(documented: dict[str, set[str]]) -> None:
    body = {"purge_protection_enable": True, "network_acls": [{"default_actions": "Deny"}]}
    assert undocumented("azurerm_key_vault", body, documented["azurerm_key_vault"]) == [
        "azurerm_key_vault.purge_protection_enable",
        "azurerm_key_vault.network_acls.default_actions",
    ]
