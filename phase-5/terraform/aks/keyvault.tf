# The environment's secrets. Authorization by Azure RBAC only (no access policies), soft
# delete for 90 days with purge protection, reachable from the cluster through a private
# endpoint and from the operators' networks only.
resource "azurerm_key_vault" "this" {
  name                          = "kv-${var.name_prefix}-${local.env_short}-${var.unique_suffix}"
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "premium"
  rbac_authorization_enabled    = true
  soft_delete_retention_days    = 90
  purge_protection_enabled      = true
  public_network_access_enabled = true

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
    # OpenTofu writes the secrets from the operators' networks; pods use the private endpoint.
    ip_rules = var.api_server_authorized_ip_ranges
  }

  tags = local.tags
}

resource "azurerm_private_endpoint" "vault" {
  name                = "pe-${local.name}-vault"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = azurerm_subnet.endpoints.id
  tags                = local.tags

  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = azurerm_key_vault.this.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "vault"
    private_dns_zone_ids = [azurerm_private_dns_zone.this["vault"].id]
  }
}

# Whoever runs OpenTofu writes the secrets; the admin groups may read and rotate them by hand.
resource "azurerm_role_assignment" "vault_officer" {
  for_each = toset(concat(
    [data.azurerm_client_config.current.object_id],
    var.admin_group_object_ids,
  ))
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = each.value
}

# Generated secrets never exist outside this apply and Key Vault (and the database, for its
# password). Alphanumeric only: the password sits inside a URL and a DSN unescaped.
ephemeral "random_password" "database" {
  length  = 40
  special = false
}

ephemeral "random_password" "auth" {
  length  = 64
  special = false
}

locals {
  db_host = azurerm_postgresql_flexible_server.this.fqdn

  # name => the rotation group whose number (var.secret_versions) rewrites it. The names are
  # the ones the apps and the Dapr components ask the secret store for.
  secret_groups = {
    "kafka-brokers"         = "redpanda"
    "kafka-sasl-username"   = "redpanda"
    "kafka-sasl-password"   = "redpanda"
    "database-url"          = "database"
    "dapr-state-connection" = "database"
    "better-auth-secret"    = "auth"
    "smtp-host"             = "smtp"
    "smtp-port"             = "smtp"
    "smtp-username"         = "smtp"
    "smtp-password"         = "smtp"
    "smtp-from"             = "smtp"
    "vapid-private-key"     = "vapid"
    "vapid-public-key"      = "vapid"
    "vapid-subject"         = "vapid"
  }

  # Ephemeral: only ever used in write-only attributes.
  secret_values = {
    "kafka-brokers"         = var.redpanda_bootstrap_url
    "kafka-sasl-username"   = var.redpanda_sasl_username
    "kafka-sasl-password"   = var.redpanda_sasl_password
    "database-url"          = "postgresql+asyncpg://${local.db_admin}:${ephemeral.random_password.database.result}@${local.db_host}:5432/${local.db_name}?ssl=require"
    "dapr-state-connection" = "host=${local.db_host} port=5432 user=${local.db_admin} password=${ephemeral.random_password.database.result} dbname=${local.db_name} sslmode=require"
    "better-auth-secret"    = ephemeral.random_password.auth.result
    "smtp-host"             = var.smtp.host
    "smtp-port"             = tostring(var.smtp.port)
    "smtp-username"         = var.smtp.username
    "smtp-password"         = var.smtp_password
    "smtp-from"             = var.smtp.from
    # The REST API keeps the PEM's newlines (only the portal and `az ... --value` drop them).
    "vapid-private-key" = trimspace(var.vapid_private_key_pem)
    "vapid-public-key"  = var.vapid_public_key
    "vapid-subject"     = var.vapid_subject
  }
}

# Each group's secrets expire 90 days after the apply that last wrote them (FR-055): raising
# the group's number writes new versions and moves the expiry. Key Vault emits
# SecretNearExpiry 30 days before (runbook: rotation).
resource "time_offset" "secret_expiry" {
  # for_each takes a map; the variable is an object (so its keys are checked).
  for_each    = { for group, version in var.secret_versions : group => version }
  offset_days = 90
  triggers    = { version = tostring(each.value) }
}

resource "azurerm_key_vault_secret" "this" {
  for_each         = local.secret_groups
  name             = each.key
  key_vault_id     = azurerm_key_vault.this.id
  value_wo         = local.secret_values[each.key]
  value_wo_version = var.secret_versions[each.value]
  content_type     = "text/plain"
  expiration_date  = time_offset.secret_expiry[each.value].rfc3339
  tags             = { rotation-group = each.value }

  depends_on = [azurerm_role_assignment.vault_officer]
}

# Not a credential the apps use, but its ingestion key is better kept out of env vars too.
resource "azurerm_key_vault_secret" "appinsights" {
  name            = "appinsights-connection-string"
  key_vault_id    = azurerm_key_vault.this.id
  value           = azurerm_application_insights.this.connection_string
  content_type    = "text/plain"
  expiration_date = time_offset.secret_expiry["auth"].rfc3339

  depends_on = [azurerm_role_assignment.vault_officer]
}

# Every read and write of a secret is audited in the 30-day workspace.
resource "azurerm_monitor_diagnostic_setting" "vault" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_key_vault.this.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id
  enabled_log {
    category_group = "audit"
  }
}
