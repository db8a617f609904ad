# One registry per environment; the deploy workflow pushes with its OIDC identity (AcrPush),
# the kubelet pulls (AcrPull). No admin user, no passwords.
resource "azurerm_container_registry" "this" {
  #checkov:skip=CKV_AZURE_139:GitHub-hosted runners push from the Internet; only Entra ID tokens are accepted (no admin user, no anonymous pull)
  #checkov:skip=CKV_AZURE_165:one region per environment; zone redundancy covers a zone loss, geo-replication would serve a second region we do not run
  #checkov:skip=CKV_AZURE_164:Docker Content Trust is being retired by ACR and cannot be enabled on new registries; images are pinned by digest-addressed tags instead
  #checkov:skip=CKV_AZURE_166:quarantine holds every pushed image until a scanner releases it, and nothing here releases images; Defender for Containers (enabled on the subscription, runbook step 1) scans pushed images instead
  name                = "acr${var.name_prefix}${var.environment}${var.unique_suffix}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = "Premium"
  admin_enabled       = false
  # Premium: zone-redundant storage, retention of untagged manifests, dedicated data endpoints.
  zone_redundancy_enabled  = true
  retention_policy_in_days = 7
  anonymous_pull_enabled   = false
  data_endpoint_enabled    = true
  # GitHub-hosted runners push from the Internet, so the registry keeps a public endpoint,
  # reachable only with an Entra ID token (see README.md "Checks").
  public_network_access_enabled = true
  tags                          = local.tags
}
