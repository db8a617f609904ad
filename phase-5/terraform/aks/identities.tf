# One user-assigned identity per service, federated to that service's Kubernetes
# ServiceAccount: its daprd sidecar reads Key Vault with it (the Dapr component's
# azureClientId). No client secret exists anywhere.
locals {
  token_exchange_audience = "api://AzureADTokenExchange"

  # What each sidecar may read: the Dapr components it loads (pub/sub on Redpanda for the
  # three services, a PostgreSQL state store) plus what the app itself asks for.
  component_secrets = {
    "todo-api"               = ["kafka-brokers", "kafka-sasl-username", "kafka-sasl-password", "dapr-state-connection"]
    "recurring-task-service" = ["kafka-brokers", "kafka-sasl-username", "kafka-sasl-password", "dapr-state-connection"]
    "notification-service"   = ["kafka-brokers", "kafka-sasl-username", "kafka-sasl-password", "dapr-state-connection"]
    # The MCP server publishes nothing: only its chat-history store.
    "chatbot-mcp" = ["dapr-state-connection"]
  }
  service_secrets = {
    "todo-api"               = ["database-url", "better-auth-secret", "vapid-public-key"]
    "recurring-task-service" = ["database-url"]
    "notification-service" = [
      "database-url", "smtp-host", "smtp-port", "smtp-username", "smtp-password", "smtp-from",
      "vapid-private-key", "vapid-public-key", "vapid-subject",
    ]
    "chatbot-mcp" = ["better-auth-secret"]
  }
  service_secret_grants = merge([
    for svc in keys(var.services) : {
      for secret in distinct(concat(local.component_secrets[svc], local.service_secrets[svc])) :
      "${svc}/${secret}" => { service = svc, secret = secret }
    }
  ]...)
}

resource "azurerm_user_assigned_identity" "service" {
  for_each            = var.services
  name                = "id-${local.name}-${each.key}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "service" {
  for_each                  = var.services
  name                      = "k8s-${var.app_namespace}-${each.value.service_account}"
  user_assigned_identity_id = azurerm_user_assigned_identity.service[each.key].id
  issuer                    = azurerm_kubernetes_cluster.this.oidc_issuer_url
  subject                   = "system:serviceaccount:${var.app_namespace}:${each.value.service_account}"
  audience                  = [local.token_exchange_audience]
}

# Read access per secret, not per vault: a compromised notification-service cannot read the
# API's signing secret.
resource "azurerm_role_assignment" "service_secret" {
  for_each             = local.service_secret_grants
  scope                = "${azurerm_key_vault.this.id}/secrets/${each.value.secret}"
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.service[each.value.service].principal_id
  depends_on           = [azurerm_key_vault_secret.this]
}

# ---- The deploy workflow's identity (GitHub OIDC, this environment only) ------------------

resource "azurerm_user_assigned_identity" "deployer" {
  name                = "id-${local.name}-deployer"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "deployer" {
  name                      = "github-${var.environment}"
  user_assigned_identity_id = azurerm_user_assigned_identity.deployer.id
  issuer                    = "https://token.actions.githubusercontent.com"
  # Only a job bound to this GitHub environment (with its reviewers and branch rules) gets in.
  subject  = "repo:${var.github_repository}:environment:${var.environment}"
  audience = [local.token_exchange_audience]
}

resource "azurerm_role_assignment" "deployer" {
  for_each = {
    # Push the images.
    acr_push = { scope = azurerm_container_registry.this.id, role = "AcrPush" }
    # Fetch a kubeconfig (Entra ID sign-in; local accounts are off) ...
    cluster_user = { scope = azurerm_kubernetes_cluster.this.id, role = "Azure Kubernetes Service Cluster User Role" }
    # ... and install the platform charts (CRDs, cluster roles) and the app's release.
    cluster_admin = { scope = azurerm_kubernetes_cluster.this.id, role = "Azure Kubernetes Service RBAC Cluster Admin" }
  }
  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
}

# The topic script needs the Redpanda connection: the deployer reads those three secrets
# only. In staging it may also read the token-signing secret, to mint the 10-minute token of
# the staging tests; production's deployer never can.
resource "azurerm_role_assignment" "deployer_secret" {
  for_each = toset(concat(
    ["kafka-brokers", "kafka-sasl-username", "kafka-sasl-password"],
    var.environment == "staging" ? ["better-auth-secret"] : [],
  ))
  scope                = "${azurerm_key_vault.this.id}/secrets/${each.key}"
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
  depends_on           = [azurerm_key_vault_secret.this]
}
