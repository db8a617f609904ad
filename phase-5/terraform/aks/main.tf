data "azurerm_client_config" "current" {}

locals {
  name = "${var.name_prefix}-${var.environment}"
  # For names Azure caps short (Key Vault: 24 characters).
  env_short = { staging = "stg", production = "prd" }[var.environment]
  # Both node pools, the database's HA pair and the zone-redundant services use all three.
  zones = ["1", "2", "3"]
  tags = merge(var.tags, {
    environment = var.environment
    managed-by  = "opentofu"
    product     = var.name_prefix
  })
}

resource "azurerm_resource_group" "this" {
  name     = "rg-${local.name}"
  location = var.location
  tags     = local.tags
}

# ---- Observability: logs (30 days) and traces ------------------------------------------

resource "azurerm_log_analytics_workspace" "this" {
  name                = "log-${local.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  # Reads go through Entra ID (Azure RBAC), never through the workspace's shared keys.
  local_authentication_enabled = false
  tags                         = local.tags
}

# Production traces: the OpenTelemetry exporter sends to this workspace-based component.
resource "azurerm_application_insights" "this" {
  name                = "appi-${local.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  workspace_id        = azurerm_log_analytics_workspace.this.id
  application_type    = "other"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

# Container Insights with managed-identity auth: the AKS monitoring agent sends container
# logs (ContainerLogV2: the apps' JSON lines stay queryable as JSON) through this rule.
resource "azurerm_monitor_data_collection_rule" "container_insights" {
  name                = "msci-${local.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags

  destinations {
    log_analytics {
      name                  = "workspace"
      workspace_resource_id = azurerm_log_analytics_workspace.this.id
    }
  }

  data_flow {
    streams      = local.container_insights_streams
    destinations = ["workspace"]
  }

  data_sources {
    extension {
      name           = "ContainerInsightsExtension"
      extension_name = "ContainerInsights"
      streams        = local.container_insights_streams
      extension_json = jsonencode({
        dataCollectionSettings = {
          interval               = "1m"
          namespaceFilteringMode = "Off"
          enableContainerLogV2   = true
        }
      })
    }
  }
}

locals {
  container_insights_streams = [
    "Microsoft-ContainerLogV2",
    "Microsoft-KubeEvents",
    "Microsoft-KubePodInventory",
    "Microsoft-KubeNodeInventory",
    "Microsoft-InsightsMetrics",
  ]
}

resource "azurerm_monitor_data_collection_rule_association" "container_insights" {
  name                    = "ContainerInsightsExtension"
  target_resource_id      = azurerm_kubernetes_cluster.this.id
  data_collection_rule_id = azurerm_monitor_data_collection_rule.container_insights.id
}
