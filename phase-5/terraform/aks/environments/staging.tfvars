# Staging: the same shape as production (zones 1-3, autoscaling, 30-day logs), smaller.
# Secrets (and the VAPID key pair) are not here: TF_VAR_* at apply time (runbook).
environment        = "staging"
subscription_id    = "00000000-0000-0000-0000-000000000000" # placeholder: plan refuses it until replaced
location           = "westeurope"
unique_suffix      = "st01"
vnet_address_space = "10.40.0.0/16"
kubernetes_version = "1.33"

system_pool = {
  vm_size   = "Standard_D2ds_v5"
  min_count = 3
  max_count = 4
}

user_pool = {
  vm_size   = "Standard_D4ds_v5"
  min_count = 3
  max_count = 6
  max_pods  = 110
}

# Replace with the operators' and the deploy runners' egress ranges (documentation range here).
api_server_authorized_ip_ranges = ["203.0.113.0/24"]
admin_group_object_ids          = ["00000000-0000-0000-0000-000000000000"] # placeholder, refused until replaced
log_retention_days              = 30
github_repository               = "example-org/todo-platform"
public_hostname                 = "api.staging.todo.example.com"
letsencrypt_email               = "platform@todo.example.com"

postgres = {
  sku_name              = "GP_Standard_D2ds_v5"
  storage_mb            = 32768
  backup_retention_days = 7
  zone_redundant_ha     = false
}

smtp = {
  host     = "smtp.example.com"
  port     = 587
  username = "reminders-staging"
  from     = "reminders@staging.todo.example.com"
}

vapid_subject = "mailto:reminders@todo.example.com"
