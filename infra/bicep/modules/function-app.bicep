// Linux Function App (Functions v4, Node 20) on a dedicated App Service plan, with a
// system-assigned managed identity. The Functions host (AzureWebJobsStorage: host locks, timer
// schedule monitor, Durable Functions task hub queues/tables/blobs) uses its own storage account,
// reached with the identity (AzureWebJobsStorage__accountName), not a connection string.
//
// A dedicated plan is used because it needs no Azure Files content share (which would need a
// storage key), has no 10-minute execution cap, and gives the calculation engine the memory it
// needs (the benchmark peaks near 1 GB).

param name string
param planName string
param location string

@description('App Service plan SKU (Linux, dedicated); main.bicep restricts the choice.')
param planSku string = 'P1v3'

@description('Name of the storage account the Functions host uses (AzureWebJobsStorage).')
param hostStorageAccountName string

@description('Name of the Application Insights component that receives the telemetry.')
param appInsightsName string

@description('Application settings of the app itself: array of { name, value }.')
param appSettings array

param tags object = {}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: planSku
  }
  properties: {
    reserved: true
  }
}

var platformSettings = [
  {
    name: 'FUNCTIONS_EXTENSION_VERSION'
    value: '~4'
  }
  {
    name: 'FUNCTIONS_WORKER_RUNTIME'
    value: 'node'
  }
  {
    name: 'AzureWebJobsStorage__accountName'
    value: hostStorageAccountName
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    // telemetry authenticated with the system-assigned identity (the component disables keys)
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  {
    // zip deploy mounts the package read-only; kept here so a redeploy of this template keeps it
    name: 'WEBSITE_RUN_FROM_PACKAGE'
    value: '1'
  }
]

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|20'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: concat(platformSettings, appSettings)
    }
  }
}

output name string = site.name
output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
