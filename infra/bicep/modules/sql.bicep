// Azure SQL logical server with Microsoft Entra-only authentication (no SQL logins, no password
// anywhere) and one database. The function app reaches it over the public endpoint through the
// "Allow Azure services" rule; every connection still needs an Entra token.

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

param tags object = {}

resource server 'Microsoft.Sql/servers@2023-08-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    version: '12.0'
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
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
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2023-08-01' = {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
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
