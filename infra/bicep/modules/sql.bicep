// Azure SQL logical server with Microsoft Entra-only authentication (no SQL logins, no password
// anywhere) and one database. Network: a private endpoint (public access disabled) and/or firewall
// rules for given IP ranges; the "Allow Azure services" rule (AllowAllWindowsAzureIps, which
// admits every Azure customer's IPs) only when explicitly asked for. Every connection still needs
// an Entra token.

param serverName string
param databaseName string
param location string

@description('Object id of the Microsoft Entra principal that administers the server.')
param adminObjectId string

@description('Display name / UPN of that principal (shown as the server admin login).')
param adminLogin string

@allowed([
  'User'
  'Group'
  'Application'
])
param adminPrincipalType string = 'Group'

@description('Database SKU, e.g. { name: \'S0\', tier: \'Standard\' } or { name: \'GP_S_Gen5_1\', tier: \'GeneralPurpose\' }.')
param databaseSku object = {
  name: 'S0'
  tier: 'Standard'
}

@description('Public IPv4 CIDR ranges (e.g. 203.0.113.0/24, 198.51.100.7/32) given a firewall rule each.')
param allowedIpRanges array = []

@description('Subnet for a private endpoint; when set, public network access is disabled.')
param privateEndpointSubnetId string = ''

@description('Adds the AllowAllWindowsAzureIps rule (any Azure IP, any tenant). Off by default.')
param allowAzureServices bool = false

param tags object = {}

resource server 'Microsoft.Sql/servers@2023-08-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    version: '12.0'
    minimalTlsVersion: '1.2'
    publicNetworkAccess: empty(privateEndpointSubnetId) ? 'Enabled' : 'Disabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: adminLogin
      sid: adminObjectId
      principalType: adminPrincipalType
      tenantId: tenant().tenantId
    }
  }
}

// 0.0.0.0-0.0.0.0 is the documented "Allow Azure services and resources to access this server" rule
resource azureServicesRule 'Microsoft.Sql/servers/firewallRules@2023-08-01' = if (allowAzureServices) {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource ipRules 'Microsoft.Sql/servers/firewallRules@2023-08-01' = [
  for (range, i) in allowedIpRanges: {
    parent: server
    name: 'allowed-${i}'
    properties: {
      startIpAddress: parseCidr(range).network
      endIpAddress: parseCidr(range).broadcast
    }
  }
]

resource serverPrivateEndpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = if (!empty(privateEndpointSubnetId)) {
  name: 'pe-${serverName}'
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      {
        name: serverName
        properties: { privateLinkServiceId: server.id, groupIds: ['sqlServer'] }
      }
    ]
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01' = {
  parent: server
  name: databaseName
  location: location
  tags: tags
  sku: databaseSku
  properties: {
    collation: 'SQL_Latin1_General_CP1_CI_AS'
  }
}

output serverName string = server.name
output fullyQualifiedDomainName string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
