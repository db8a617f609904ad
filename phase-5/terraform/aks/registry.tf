# One registry per environment; the deploy workflow pushes with its OIDC identity (AcrPush),
# the kubelet pulls (AcrPull). No admin user, no passwords.
resource "azurerm_container_registry" "this" {
  name                = "acr${var.name_prefix}${var.environment}${var.unique_suffix}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = "Premium"
  admin_enabled       = false
  # Premium: zone-redundant storage, retention of untagged manifests, signed-image trust.
  zone_redundancy_enabled = true
  retention_policy_in_days = 7
  trust_policy_enabled     = true
  anonymous_pull_enabled   = false
  data_endpoint_enabled    = true
  # GitHub-hosted runners push from the Internet, so the registry keeps a public endpoint,
  # reachable only with an Entra ID token (see README.md "Checks").
  public_network_access_enabled = true
  tags                          = local.tags
}
