# What the delivery pipeline consumes. No output is sensitive and none is derived from a
# secret input: credentials live in Key Vault only.

output "resource_group_name" {
  description = "Resource group of the environment."
  value       = azurerm_resource_group.this.name
}

output "aks_cluster_name" {
  description = "AKS cluster (az aks get-credentials, then kubelogin)."
  value       = azurerm_kubernetes_cluster.this.name
}

output "oidc_issuer_url" {
  description = "The cluster's OIDC issuer (workload identity federation)."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "acr_name" {
  description = "Registry name (az acr login --name)."
  value       = azurerm_container_registry.this.name
}

output "acr_login_server" {
  description = "Registry host the images are pushed to and pulled from."
  value       = azurerm_container_registry.this.login_server
}

output "key_vault_name" {
  description = "Key Vault read by Dapr's secretstores.azure.keyvault component (vaultName)."
  value       = azurerm_key_vault.this.name
}

output "key_vault_uri" {
  description = "Key Vault URI."
  value       = azurerm_key_vault.this.vault_uri
}

output "postgres_fqdn" {
  description = "Private host name of the PostgreSQL server (the URL with credentials is in Key Vault)."
  value       = azurerm_postgresql_flexible_server.this.fqdn
}

output "log_analytics_workspace_id" {
  description = "Workspace of container logs, app logs and traces (30-day retention)."
  value       = azurerm_log_analytics_workspace.this.id
}

output "service_identities" {
  description = "Per service: the client id its Dapr secret store uses (azureClientId) and the ServiceAccount it is federated to."
  value = {
    for svc, cfg in var.services : svc => {
      client_id       = azurerm_user_assigned_identity.service[svc].client_id
      service_account = cfg.service_account
      namespace       = var.app_namespace
    }
  }
}

output "deployer_client_id" {
  description = "Client id the deploy workflow signs in with (azure/login, OIDC)."
  value       = azurerm_user_assigned_identity.deployer.client_id
}

# The chart's Azure overlay, passed to `helm upgrade -f` by the deploy workflow.
output "helm_values" {
  description = "Helm values overlay for this environment's Azure resources (JSON is YAML)."
  value = {
    azure = {
      tenantId     = data.azurerm_client_config.current.tenant_id
      keyVaultName = azurerm_key_vault.this.name
      identities = {
        for svc, cfg in var.services : svc => {
          clientId       = azurerm_user_assigned_identity.service[svc].client_id
          serviceAccount = cfg.service_account
        }
      }
    }
    ingress = {
      host          = var.public_hostname
      className     = "webapprouting.kubernetes.azure.com"
      clusterIssuer = "letsencrypt"
    }
  }
}

# Names are the GitHub environment variables deploy.yml reads (`vars.NAME`); the runbook
# publishes them with publish-outputs.sh after every apply.
output "pipeline_variables" {
  description = "GitHub environment variables for deploy.yml."
  value = {
    AZURE_CLIENT_ID       = azurerm_user_assigned_identity.deployer.client_id
    AZURE_TENANT_ID       = data.azurerm_client_config.current.tenant_id
    AZURE_SUBSCRIPTION_ID = var.subscription_id
    AKS_RESOURCE_GROUP    = azurerm_resource_group.this.name
    AKS_CLUSTER_NAME      = azurerm_kubernetes_cluster.this.name
    ACR_NAME              = azurerm_container_registry.this.name
    ACR_LOGIN_SERVER      = azurerm_container_registry.this.login_server
    KEY_VAULT_NAME        = azurerm_key_vault.this.name
    APP_NAMESPACE         = var.app_namespace
    PUBLIC_HOSTNAME       = var.public_hostname
    LETSENCRYPT_EMAIL     = var.letsencrypt_email
  }
}
