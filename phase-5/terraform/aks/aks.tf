# The control plane's own identity exists (and may manage the VNET's subnets) before the
# cluster does: with a system-assigned identity the first load balancer could race the grant.
resource "azurerm_user_assigned_identity" "aks" {
  name                = "id-${local.name}-aks"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "aks_network" {
  scope                = azurerm_virtual_network.this.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.aks.principal_id
}

resource "azurerm_kubernetes_cluster" "this" {
  #checkov:skip=CKV_AZURE_115:GitHub-hosted runners deploy over the Internet; the API server is limited to api_server_authorized_ip_ranges instead (a self-hosted runner in the VNET would allow a private cluster)
  #checkov:skip=CKV_AZURE_117:nodes use host encryption with platform keys; a customer-managed disk encryption set adds a key to rotate and no threat we model here
  name                = "aks-${local.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  node_resource_group = "rg-${local.name}-nodes"
  dns_prefix          = local.name
  kubernetes_version  = var.kubernetes_version
  # Standard: the uptime SLA, needed with zones in production-grade clusters.
  sku_tier                  = "Standard"
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"

  # Sign-in only through Entra ID; Kubernetes authorization by Azure RBAC.
  local_account_disabled            = true
  role_based_access_control_enabled = true
  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = data.azurerm_client_config.current.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
  }

  # Workload identity: pods exchange their ServiceAccount token for an Entra ID token.
  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  azure_policy_enabled         = true
  image_cleaner_enabled        = true
  image_cleaner_interval_hours = 48

  api_server_access_profile {
    authorized_ip_ranges = var.api_server_authorized_ip_ranges
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.aks.id]
  }

  default_node_pool {
    name                         = "system"
    temporary_name_for_rotation  = "systemtmp"
    vm_size                      = var.system_pool.vm_size
    zones                        = local.zones
    auto_scaling_enabled         = true
    min_count                    = var.system_pool.min_count
    max_count                    = var.system_pool.max_count
    only_critical_addons_enabled = true
    vnet_subnet_id               = azurerm_subnet.nodes.id
    max_pods                     = 110
    os_sku                       = "AzureLinux"
    os_disk_type                 = "Ephemeral"
    # An ephemeral OS disk lives on the VM's temporary disk: 64 GiB fits the D*ds_v5 sizes.
    os_disk_size_gb         = 64
    host_encryption_enabled = true
    upgrade_settings {
      max_surge = "33%"
    }
    tags = local.tags
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    load_balancer_sku   = "standard"
  }

  # Container Insights to the 30-day workspace (managed-identity auth, see main.tf).
  oms_agent {
    log_analytics_workspace_id      = azurerm_log_analytics_workspace.this.id
    msi_auth_for_monitoring_enabled = true
  }

  # The Secrets Store CSI driver, polling Key Vault for new versions.
  key_vault_secrets_provider {
    secret_rotation_enabled  = true
    secret_rotation_interval = "2m"
  }

  # Managed NGINX ingress (the app routing add-on); cert-manager issues its certificates.
  web_app_routing {
    dns_zone_ids = []
  }

  microsoft_defender {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id
  }

  auto_scaler_profile {
    balance_similar_node_groups = true
    expander                    = "least-waste"
  }

  maintenance_window_auto_upgrade {
    frequency   = "Weekly"
    interval    = 1
    duration    = 4
    day_of_week = "Sunday"
    start_time  = "02:00"
    utc_offset  = "+00:00"
  }

  tags = local.tags

  depends_on = [azurerm_role_assignment.aks_network]

  lifecycle {
    # The autoscaler owns the node count.
    ignore_changes = [default_node_pool[0].node_count]
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                    = "user"
  kubernetes_cluster_id   = azurerm_kubernetes_cluster.this.id
  mode                    = "User"
  vm_size                 = var.user_pool.vm_size
  zones                   = local.zones
  auto_scaling_enabled    = true
  min_count               = var.user_pool.min_count
  max_count               = var.user_pool.max_count
  max_pods                = var.user_pool.max_pods
  vnet_subnet_id          = azurerm_subnet.nodes.id
  os_sku                  = "AzureLinux"
  os_disk_type            = "Ephemeral"
  os_disk_size_gb         = 64
  host_encryption_enabled = true
  upgrade_settings {
    max_surge = "33%"
  }
  tags = local.tags

  lifecycle {
    ignore_changes = [node_count]
  }
}

# The kubelet pulls images from the registry with its own identity; no pull secrets.
resource "azurerm_role_assignment" "kubelet_acr_pull" {
  scope                            = azurerm_container_registry.this.id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
  skip_service_principal_aad_check = true
}
