# Managed PostgreSQL 15 (the local stack's major), private to the VNET. Its administrator
# password is ephemeral: written to the server and to Key Vault in the same apply, stored in
# neither the plan nor the state; raising secret_versions.database rotates both.
locals {
  db_admin = "todo"
  db_name  = "todo"
}

resource "azurerm_postgresql_flexible_server" "this" {
  #checkov:skip=CKV2_AZURE_57:the server is VNET-injected (delegated subnet, public access off), which is private without a private endpoint; Azure allows one model or the other
  name                              = "psql-${local.name}-${var.unique_suffix}"
  location                          = azurerm_resource_group.this.location
  resource_group_name               = azurerm_resource_group.this.name
  version                           = "15"
  sku_name                          = var.postgres.sku_name
  storage_mb                        = var.postgres.storage_mb
  auto_grow_enabled                 = true
  backup_retention_days             = var.postgres.backup_retention_days
  geo_redundant_backup_enabled      = true
  delegated_subnet_id               = azurerm_subnet.postgres.id
  private_dns_zone_id               = azurerm_private_dns_zone.this["postgres"].id
  public_network_access_enabled     = false
  zone                              = "1"
  administrator_login               = local.db_admin
  administrator_password_wo         = ephemeral.random_password.database.result
  administrator_password_wo_version = var.secret_versions.database

  dynamic "high_availability" {
    for_each = var.postgres.zone_redundant_ha ? [1] : []
    content {
      mode                      = "ZoneRedundant"
      standby_availability_zone = "2"
    }
  }

  tags       = local.tags
  depends_on = [azurerm_private_dns_zone_virtual_network_link.this]

  lifecycle {
    # Azure moves the primary to the standby's zone on failover.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }
}

resource "azurerm_postgresql_flexible_server_database" "todo" {
  name      = local.db_name
  server_id = azurerm_postgresql_flexible_server.this.id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

# Server logs (connections, errors) to the same 30-day workspace.
resource "azurerm_postgresql_flexible_server_configuration" "log_connections" {
  for_each  = toset(["log_connections", "log_disconnections", "connection_throttle.enable"])
  name      = each.key
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = "on"
}

resource "azurerm_monitor_diagnostic_setting" "postgres" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_postgresql_flexible_server.this.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id
  enabled_log {
    category_group = "allLogs"
  }
}
