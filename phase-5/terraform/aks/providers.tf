provider "azurerm" {
  subscription_id = var.subscription_id
  # The state account and the vault are reached with Entra ID, never with account keys.
  storage_use_azuread = true

  features {
    key_vault {
      # Purge protection forbids purging anyway; say so rather than fail on destroy.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
      recover_soft_deleted_secrets    = true
    }
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
}
