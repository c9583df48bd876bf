// Function App (Functions v4, Node 20, Linux) on the Flex Consumption plan, with a
// system-assigned managed identity. The Functions host (AzureWebJobsStorage: host locks, timer
// schedule monitor, Durable Functions task hub queues/tables/blobs) uses its own storage account,
// reached with the identity (AzureWebJobsStorage__accountName), not a connection string.
//
// Flex Consumption because a settlement fans out to hundreds of batches at once and is idle the
// rest of the day: it scales per instance up to maximumInstanceCount and back to zero, gives each
// instance a fixed memory size (a batch needs up to ~1.5 GB), has no 10-minute execution cap, and
// deploys from a blob container read with the identity, so no Azure Files share and no storage
// key. See README.md, "Scale-out (issue 11)".

param name string
param planName string
param location string

@description('Name of the storage account the Functions host uses (AzureWebJobsStorage); it also holds the deployment container.')
param hostStorageAccountName string

@description('Blob container (in the host storage account) that holds the deployed package.')
param deploymentContainerName string

@description('Memory of each instance in MB; main.bicep restricts the choice.')
param instanceMemoryMB int

@description('Upper bound of instances; main.bicep restricts the range.')
param maximumInstanceCount int

@description('Application settings of the app itself: array of { name, value }.')
param appSettings array

@description('Largest HTTP request body the Functions host accepts, in bytes (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT): the host buffers a body before the worker sees it, so the app\'s own largest limit is enforced here too.')
param requestBodySizeLimit int

param tags object = {}

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: hostStorageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Flex Consumption takes the runtime, its version and the package location from
// functionAppConfig and rejects the settings that used to carry them (FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, content-share settings), so they are
// not set here.
var platformSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: hostStorageAccountName
  }
  {
    // the host refuses larger bodies before buffering them (the handlers cap again per route)
    name: 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT'
    value: string(requestBodySizeLimit)
  }
  {
    // V8 sizes its heap from the machine it sees, not from the instance's memory; an explicit
    // limit at 3/4 of the instance makes it collect garbage before the platform kills the
    // instance, and leaves the rest to the host process and off-heap buffers.
    name: 'NODE_OPTIONS'
    value: '--max-old-space-size=${instanceMemoryMB * 3 / 4}'
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
    httpsOnly: true
    siteConfig: {
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: concat(platformSettings, appSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            // read with the app's identity (Storage Blob Data Owner on the host account)
            type: 'SystemAssignedIdentity'
          }
        }
      }
      runtime: {
        name: 'node'
        version: '20'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
  }
}

output name string = site.name
output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
