# Remote state of production: Azure Storage, one blob per environment, locked by a blob lease.
# Created once per subscription (runbook "First deploy", step 2); Entra ID auth, no keys.
resource_group_name  = "rg-todo-tfstate"
storage_account_name = "sttodotfstate01" # placeholder: the account made in step 2
container_name       = "tfstate"
key                  = "production/aks.tfstate"
use_azuread_auth     = true
