# One VNET per environment: nodes (pods use the CNI overlay, so a /20 of nodes is plenty),
# the ingress load balancer, the database (delegated) and private endpoints.
locals {
  subnets = {
    nodes     = cidrsubnet(var.vnet_address_space, 4, 0) # /20
    ingress   = cidrsubnet(var.vnet_address_space, 8, 16)
    postgres  = cidrsubnet(var.vnet_address_space, 8, 17)
    endpoints = cidrsubnet(var.vnet_address_space, 8, 18)
  }
}

resource "azurerm_virtual_network" "this" {
  name                = "vnet-${local.name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.vnet_address_space]
  tags                = local.tags
}

resource "azurerm_subnet" "nodes" {
  name                 = "snet-nodes"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.subnets.nodes]
}

resource "azurerm_subnet" "ingress" {
  name                 = "snet-ingress"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.subnets.ingress]
}

resource "azurerm_subnet" "postgres" {
  name                 = "snet-postgres"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.subnets.postgres]

  delegation {
    name = "postgres-flexible"
    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet" "endpoints" {
  name                 = "snet-endpoints"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.subnets.endpoints]
}

# Subnet NSGs. Only the ingress path is opened from the Internet (80 for the ACME HTTP-01
# challenge and the redirect, 443 for the API); everything else keeps the default rules
# (VNET-internal traffic and the Azure load balancer only).
resource "azurerm_network_security_group" "this" {
  for_each            = toset(["nodes", "ingress", "postgres", "endpoints"])
  name                = "nsg-${local.name}-${each.key}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_network_security_rule" "web_in" {
  #checkov:skip=CKV_AZURE_160:port 80 serves Let's Encrypt's HTTP-01 challenge and the redirect to 443; the ingress sends no API traffic over plain HTTP
  for_each                    = toset(["nodes", "ingress"])
  name                        = "allow-web-in"
  priority                    = 200
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_ranges     = ["80", "443"]
  source_address_prefix       = "Internet"
  destination_address_prefix  = local.subnets[each.key]
  resource_group_name         = azurerm_resource_group.this.name
  network_security_group_name = azurerm_network_security_group.this[each.key].name
}

resource "azurerm_subnet_network_security_group_association" "this" {
  for_each = {
    nodes     = azurerm_subnet.nodes.id
    ingress   = azurerm_subnet.ingress.id
    postgres  = azurerm_subnet.postgres.id
    endpoints = azurerm_subnet.endpoints.id
  }
  subnet_id                 = each.value
  network_security_group_id = azurerm_network_security_group.this[each.key].id
}

# Private DNS for the database and the vault's private endpoint.
resource "azurerm_private_dns_zone" "this" {
  for_each = {
    postgres = "${local.name}.private.postgres.database.azure.com"
    vault    = "privatelink.vaultcore.azure.net"
  }
  name                = each.value
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each              = azurerm_private_dns_zone.this
  name                  = "link-${each.key}"
  resource_group_name   = azurerm_resource_group.this.name
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.this.id
  registration_enabled  = false
  tags                  = local.tags
}
