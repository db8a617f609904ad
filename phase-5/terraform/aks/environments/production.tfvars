# Production: zones 1-3, autoscaling, zone-redundant database, 30-day logs.
# Secrets (and the VAPID key pair) are not here: TF_VAR_* at apply time (runbook).
environment        = "production"
subscription_id    = "00000000-0000-0000-0000-000000000000" # placeholder: plan refuses it until replaced
location           = "westeurope"
unique_suffix      = "pr01"
vnet_address_space = "10.50.0.0/16"
kubernetes_version = "1.33"

system_pool = {
  vm_size   = "Standard_D2ds_v5"
  min_count = 3
  max_count = 5
}

user_pool = {
  vm_size   = "Standard_D4ds_v5"
  min_count = 3
  max_count = 20
  max_pods  = 110
}

# Replace with the operators' and the deploy runners' egress ranges (documentation range here).
api_server_authorized_ip_ranges = ["203.0.113.0/24"]
admin_group_object_ids          = ["00000000-0000-0000-0000-000000000000"] # placeholder, refused until replaced
log_retention_days              = 30
github_repository               = "example-org/todo-platform"
public_hostname                 = "api.todo.example.com"
letsencrypt_email               = "platform@todo.example.com"

postgres = {
  sku_name              = "GP_Standard_D4ds_v5"
  storage_mb            = 131072
  backup_retention_days = 35
  zone_redundant_ha     = true
}

smtp = {
  host     = "smtp.example.com"
  port     = 587
  username = "reminders"
  from     = "reminders@todo.example.com"
}

vapid_subject = "mailto:reminders@todo.example.com"
