// A StorageV2 account that only accepts Microsoft Entra (identity) access: no shared keys, no
// anonymous blobs, TLS 1.2. Optionally creates blob containers and tables; their names are passed
// in by main.bicep, which takes them from names.json.

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Blob containers to create (private).')
param containerNames array = []

@description('Tables to create.')
param tableNames array = []

@description('Days a deleted blob or container can be restored.')
@minValue(1)
@maxValue(365)
param deleteRetentionDays int = 7

@description('Public IPv4 addresses or CIDR ranges allowed through the firewall; empty and no private endpoint = open (identity still required).')
param allowedIpRanges array = []

@description('Subnet for private endpoints (blob, table); when set, public network access is disabled.')
param privateEndpointSubnetId string = ''

param tags object = {}

@description('Hierarchical namespace (ADLS Gen2): real directories, atomic directory rename, POSIX ACLs. Fixed at creation.')
param isHnsEnabled bool = false

var restricted = !empty(allowedIpRanges) || !empty(privateEndpointSubnetId)

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    isHnsEnabled: isHnsEnabled
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: empty(privateEndpointSubnetId) ? 'Enabled' : 'Disabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: restricted ? 'Deny' : 'Allow'
      ipRules: [for ip in allowedIpRanges: { value: ip, action: 'Allow' }]
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2023-11-01' = [
  for group in ['blob', 'table']: if (!empty(privateEndpointSubnetId)) {
    name: 'pe-${name}-${group}'
    location: location
    tags: tags
    properties: {
      subnet: { id: privateEndpointSubnetId }
      privateLinkServiceConnections: [
        {
          name: '${name}-${group}'
          properties: { privateLinkServiceId: account.id, groupIds: [group] }
        }
      ]
    }
  }
]

output name string = account.name
output id string = account.id
