# Every input is typed, described and validated. Secrets are `ephemeral` (never in the plan
# or the state) and `sensitive` (never printed); they reach Key Vault through write-only
# attributes only, and no output carries them.

variable "subscription_id" {
  type        = string
  description = "Azure subscription that holds the environment."
  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.subscription_id)) && var.subscription_id != "00000000-0000-0000-0000-000000000000"
    error_message = "subscription_id must be a lowercase GUID (the variable files hold a placeholder: replace it)."
  }
}

variable "environment" {
  type        = string
  description = "Environment name; one variable file per environment (environments/<name>.tfvars)."
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "location" {
  type        = string
  description = "Azure region with three availability zones (both pools spread across zones 1-3)."
  validation {
    condition     = can(regex("^[a-z]+[a-z0-9]*$", var.location))
    error_message = "location must be a region name such as westeurope (lowercase, no spaces)."
  }
}

variable "name_prefix" {
  type        = string
  description = "Short product prefix of every resource name."
  default     = "todo"
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.name_prefix))
    error_message = "name_prefix must be 2-8 lowercase letters or digits, starting with a letter."
  }
}

variable "unique_suffix" {
  type        = string
  description = "Suffix that makes the globally unique names (Key Vault, registry) unique; pick once per subscription."
  validation {
    condition     = can(regex("^[a-z0-9]{4,6}$", var.unique_suffix))
    error_message = "unique_suffix must be 4-6 lowercase letters or digits."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource (environment, managed-by and product are always set)."
  default     = {}
  validation {
    condition     = length(var.tags) <= 40 && alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256])
    error_message = "tags: at most 40, names up to 512 and values up to 256 characters (Azure's limits, less ours)."
  }
}

variable "vnet_address_space" {
  type        = string
  description = "Address space of the virtual network; a /16 is carved into the node, ingress, database and endpoint subnets."
  validation {
    condition     = can(cidrnetmask(var.vnet_address_space)) && tonumber(split("/", var.vnet_address_space)[1]) <= 16
    error_message = "vnet_address_space must be an IPv4 CIDR of /16 or larger."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version (e.g. 1.33); patches arrive through the patch upgrade channel."
  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.33."
  }
}

variable "system_pool" {
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  description = "System node pool (critical add-ons only), autoscaled across zones 1-3."
  validation {
    condition     = var.system_pool.min_count >= 3 && var.system_pool.max_count >= var.system_pool.min_count && var.system_pool.max_count <= 20
    error_message = "system_pool needs min_count >= 3 (one node per zone) and min_count <= max_count <= 20."
  }
}

variable "user_pool" {
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
    max_pods  = number
  })
  description = "User node pool for the apps, the Dapr control plane and the ingress, autoscaled across zones 1-3."
  validation {
    condition     = var.user_pool.min_count >= 3 && var.user_pool.max_count >= var.user_pool.min_count && var.user_pool.max_count <= 100
    error_message = "user_pool needs min_count >= 3 (one node per zone) and min_count <= max_count <= 100."
  }
  validation {
    condition     = var.user_pool.max_pods >= 50 && var.user_pool.max_pods <= 250
    error_message = "user_pool.max_pods must be between 50 and 250."
  }
}

variable "api_server_authorized_ip_ranges" {
  type        = list(string)
  description = "CIDRs allowed to reach the Kubernetes API: the operators and the deploy runners' egress."
  validation {
    condition     = length(var.api_server_authorized_ip_ranges) > 0 && alltrue([for c in var.api_server_authorized_ip_ranges : can(cidrnetmask(c)) && c != "0.0.0.0/0"])
    error_message = "api_server_authorized_ip_ranges must list at least one IPv4 CIDR, and not 0.0.0.0/0."
  }
}

variable "admin_group_object_ids" {
  type        = list(string)
  description = "Entra ID groups whose members administer the cluster and the vault's secrets."
  validation {
    condition     = length(var.admin_group_object_ids) > 0 && alltrue([for g in var.admin_group_object_ids : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", g)) && g != "00000000-0000-0000-0000-000000000000"])
    error_message = "admin_group_object_ids must list at least one lowercase GUID (not the placeholder)."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the Log Analytics workspace (container logs, JSON app logs, traces)."
  default     = 30
  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

variable "github_repository" {
  type        = string
  description = "owner/name of the GitHub repository whose deploy workflow may sign in as this environment's deployer."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "app_namespace" {
  type        = string
  description = "Kubernetes namespace of the apps."
  default     = "todo"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.app_namespace))
    error_message = "app_namespace must be a DNS label."
  }
}

variable "services" {
  type        = map(object({ service_account = string }))
  description = "Dapr app id => Kubernetes ServiceAccount; each service gets its own identity, federated to that ServiceAccount."
  default = {
    "todo-api"               = { service_account = "todo-api" }
    "recurring-task-service" = { service_account = "recurring-task-service" }
    "notification-service"   = { service_account = "notification-service" }
    "chatbot-mcp"            = { service_account = "chatbot-mcp" }
  }
  validation {
    condition     = alltrue([for k, v in var.services : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", v.service_account)) && contains(["todo-api", "recurring-task-service", "notification-service", "chatbot-mcp"], k)])
    error_message = "services keys must be the app ids (todo-api, recurring-task-service, notification-service, chatbot-mcp), values DNS-label ServiceAccount names."
  }
}

variable "public_hostname" {
  type        = string
  description = "Public host name of the API (DNS record pointing at the ingress); Let's Encrypt issues its certificate."
  validation {
    condition     = can(regex("^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z]{2,}$", var.public_hostname))
    error_message = "public_hostname must be a lowercase fully qualified host name."
  }
}

variable "letsencrypt_email" {
  type        = string
  description = "Contact address registered with Let's Encrypt (expiry notices)."
  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", var.letsencrypt_email))
    error_message = "letsencrypt_email must be an e-mail address."
  }
}

variable "postgres" {
  type = object({
    sku_name              = string
    storage_mb            = number
    backup_retention_days = number
    zone_redundant_ha     = bool
  })
  description = "Azure Database for PostgreSQL flexible server (version 15, the local stack's major)."
  validation {
    condition     = var.postgres.backup_retention_days >= 7 && var.postgres.backup_retention_days <= 35
    error_message = "postgres.backup_retention_days must be between 7 and 35."
  }
  validation {
    condition     = contains([32768, 65536, 131072, 262144, 524288, 1048576], var.postgres.storage_mb)
    error_message = "postgres.storage_mb must be one of the flexible server sizes (32768 ... 1048576)."
  }
}

variable "smtp" {
  type = object({
    host     = string
    port     = number
    username = string
    from     = string
  })
  description = "SMTP relay for e-mail reminders (the password is smtp_password)."
  validation {
    condition     = contains([25, 465, 587, 2525], var.smtp.port) && can(regex("^[^@\\s]+@[^@\\s]+$", var.smtp.from))
    error_message = "smtp.port must be 25, 465, 587 or 2525 and smtp.from an e-mail address."
  }
}

variable "vapid_public_key" {
  type        = string
  description = "Web Push VAPID public key (base64url, uncompressed P-256 point); public by design."
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{87}$", var.vapid_public_key))
    error_message = "vapid_public_key must be the 87-character base64url form of an uncompressed P-256 point."
  }
}

variable "vapid_subject" {
  type        = string
  description = "VAPID subject (mailto: or https: URL of the sender)."
  validation {
    condition     = can(regex("^(mailto:[^@\\s]+@[^@\\s]+|https://\\S+)$", var.vapid_subject))
    error_message = "vapid_subject must be a mailto: address or an https URL."
  }
}

# ---- Secrets: ephemeral and sensitive, written to Key Vault only -------------------------

variable "redpanda_bootstrap_url" {
  type        = string
  description = "Redpanda Cloud Serverless bootstrap server(s), host:port[,host:port]."
  sensitive   = true
  ephemeral   = true
  validation {
    condition     = can(regex("^[a-z0-9.-]+:[0-9]{2,5}(,[a-z0-9.-]+:[0-9]{2,5})*$", var.redpanda_bootstrap_url))
    error_message = "redpanda_bootstrap_url must be host:port[,host:port]."
  }
}

variable "redpanda_sasl_username" {
  type        = string
  description = "Redpanda SASL/SCRAM-SHA-256 user of the services."
  sensitive   = true
  ephemeral   = true
  validation {
    condition     = length(var.redpanda_sasl_username) > 0
    error_message = "redpanda_sasl_username must not be empty."
  }
}

variable "redpanda_sasl_password" {
  type        = string
  description = "Password of redpanda_sasl_username."
  sensitive   = true
  ephemeral   = true
  validation {
    condition     = length(var.redpanda_sasl_password) >= 16
    error_message = "redpanda_sasl_password must be at least 16 characters."
  }
}

variable "smtp_password" {
  type        = string
  description = "Password of smtp.username (cloud relays all require AUTH)."
  sensitive   = true
  ephemeral   = true
  validation {
    condition     = length(var.smtp_password) >= 8
    error_message = "smtp_password must be at least 8 characters."
  }
}

variable "vapid_private_key_pem" {
  type        = string
  description = "Web Push VAPID private key, PKCS#8 PEM of a P-256 key."
  sensitive   = true
  ephemeral   = true
  validation {
    condition     = startswith(trimspace(var.vapid_private_key_pem), "-----BEGIN PRIVATE KEY-----")
    error_message = "vapid_private_key_pem must be a PKCS#8 PEM private key."
  }
}

variable "secret_versions" {
  type = object({
    redpanda = number
    smtp     = number
    vapid    = number
    database = number
    auth     = number
  })
  description = "Write-only secrets are written only when their group's number changes: raise one to rotate that group (runbook)."
  default = {
    redpanda = 1
    smtp     = 1
    vapid    = 1
    database = 1
    auth     = 1
  }
  validation {
    condition     = alltrue([for v in values(var.secret_versions) : v >= 1 && floor(v) == v])
    error_message = "secret_versions must be whole numbers >= 1."
  }
}
