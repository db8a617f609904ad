terraform {
  # OpenTofu 1.11 brought ephemeral variables and write-only attributes, which keep every
  # secret this module writes out of the plan and the state.
  required_version = ">= 1.11.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.81"
    }
    random = {
      # 3.7 added the ephemeral random_password.
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }

  # Remote state in Azure Storage; the blob lease is the lock. The settings come from
  # environments/<env>.backend.hcl (`tofu init -backend-config=...`), see README.md.
  backend "azurerm" {}
}
