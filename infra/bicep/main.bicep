// Settlement platform: everything one environment needs, in one resource group.
//
// Every container, table, topic, subscription and app-setting name comes from names.json, which
// tools/infra-names.ts generates from shared/config/names.ts (NAMES); the defaults of the tunable
// settings come from settings-defaults.json, generated from shared/config/settings.ts. Neither is
// edited by hand, and test/unit/infra-names.test.ts fails when they or this template drift from
// the code. See README.md in this folder.

targetScope = 'resourceGroup'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Environment name (dev, test, prod...): 2-8 lowercase letters or digits; part of every resource name.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Object id of the Microsoft Entra user, group or app that administers Azure SQL.')
param sqlAdminObjectId string

@description('Login shown for that administrator (UPN or group/app display name).')
param sqlAdminLogin string

@allowed([
  'User'
  'Group'
  'Application'
])
param sqlAdminPrincipalType string = 'Group'

@description('Database SKU object ({ name, tier } and optionally family/capacity).')
param sqlDatabaseSku object = {
  name: 'S0'
  tier: 'Standard'
}

param sqlDatabaseName string = 'settlement'

@description('Memory of each Flex Consumption instance (MB); CPU scales with it. One settlement batch (activity) needs up to ~1.5 GB, so 2048 runs one batch per instance; 512 is too small for a batch. See README, "Scale-out".')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of Flex Consumption instances (the cost ceiling). Batches run one per instance, so the useful value is about maxParallelBatches plus a few for the orchestrators. 40 is the platform minimum, 1000 its maximum.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 210

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param dataStorageSku string = 'Standard_LRS'

@description('Scheduled settlements (entries of shared/config/settings.ts scheduleEntrySchema). Default: the app\'s DEFAULT_SCHEDULE.')
param settlementSchedule array = loadJsonContent('settings-defaults.json').schedule

@description('Sliding window: batches in flight per settlement job; the range is the one the app accepts. Keep it below maximumInstanceCount: each batch takes an instance of its own.')
@minValue(1)
@maxValue(1000)
param maxParallelBatches int = loadJsonContent('settings-defaults.json').maxParallelBatches

@description('Most time series points per settlement batch (memory bound of one activity).')
@minValue(1)
param batchMaxPoints int = loadJsonContent('settings-defaults.json').batchMaxPoints

@description('Instant from which results are quarterly (ISO 8601 UTC).')
param quarterlyTransition string = loadJsonContent('settings-defaults.json').quarterlyTransition

@description('Largest KickStartJob request body in bytes (413 beyond).')
@minValue(1024)
param maxJobRequestBodyBytes int = loadJsonContent('settings-defaults.json').maxJobRequestBodyBytes

@description('Largest time series ingestion body in bytes (413 beyond; the Functions host itself caps bodies at 100 MB by default).')
@minValue(1024)
param maxIngestionBodyBytes int = loadJsonContent('settings-defaults.json').maxIngestionBodyBytes

@description('A job still Requested this many minutes after registration lost its process before its orchestration started; it is failed at the next start of its spec.')
@minValue(1)
param staleRequestedJobMinutes int = loadJsonContent('settings-defaults.json').staleRequestedJobMinutes

@description('Most rows of one JSON results page (default and largest `limit`); larger reads stream as CSV, NDJSON or Parquet.')
@minValue(1)
@maxValue(100000)
param resultsPageMaxRows int = loadJsonContent('settings-defaults.json').resultsPageMaxRows

@description('Longest aggregation / balance fixing period in local days; KickStartJob refuses longer ones (400).')
@minValue(1)
@maxValue(366)
param maxPeriodDaysEnergy int = loadJsonContent('settings-defaults.json').maxPeriodDaysEnergy

@description('Largest dataset catalog upload (and discovered file profiled) in bytes (413 beyond).')
@minValue(1024)
param maxCatalogUploadBytes int = loadJsonContent('settings-defaults.json').maxCatalogUploadBytes

@description('Most rows of one JSON page of GET /api/datasets/{name} (the default and the largest limit).')
@minValue(1)
param lakePageMaxRows int = loadJsonContent('settings-defaults.json').lakePageMaxRows

@description('Largest customer upload into its lake area in bytes (413 beyond).')
@minValue(1024)
param maxCustomerUploadBytes int = loadJsonContent('settings-defaults.json').maxCustomerUploadBytes

@description('NCRONTAB of the dataset catalog\'s discovery run.')
param catalogDiscoverySchedule string = loadJsonContent('settings-defaults.json').catalogDiscoverySchedule

@description('Energi Data Service API base the dataset catalog crawls; empty: not crawled.')
param catalogEdsUrl string = 'https://api.energidataservice.dk'

@description('A CKAN portal the dataset catalog crawls; empty: not crawled.')
param catalogCkanUrl string = ''

@description('How long a catalog search lets the on-query discoverers look for more datasets (ms); 0: none.')
param catalogQueryDiscoveryMs int = loadJsonContent('settings-defaults.json').catalogQueryDiscoveryMs

@description('Azure AI Search tier of the dataset catalog\'s index.')
@allowed([
  'free'
  'basic'
  'standard'
  'standard2'
  'standard3'
])
param searchSku string = 'basic'

@description('Name of the dataset catalog\'s index in Azure AI Search (created by the app).')
param searchIndexName string = loadJsonContent('settings-defaults.json').azureSearchIndex

@description('eSett\'s party id (13-digit GLN or 16-character EIC) on the documents sent to it.')
param esettReceiverId string = loadJsonContent('settings-defaults.json').esettReceiverId

@description('Energi Data Service base URL (market data, issue 14).')
param energiDataServiceUrl string = loadJsonContent('settings-defaults.json').energiDataServiceUrl

@description('SMARD base URL (market data, issue 14).')
param smardUrl string = loadJsonContent('settings-defaults.json').smardUrl

@description('What the hourly market data timer fetches: [{source, areas}] (shared/config/settings.ts marketDataTimerSourceSchema); [] = no timer.')
param marketDataTimerSources array = loadJsonContent('settings-defaults.json').marketDataTimerSources

@description('6-field NCRONTAB (UTC) of the market data timer.')
param marketDataTimerCron string = loadJsonContent('settings-defaults.json').marketDataTimerCron

@description('Market data backfill chunks fetched at the same time.')
@minValue(1)
@maxValue(16)
param marketDataMaxParallelChunks int = loadJsonContent('settings-defaults.json').marketDataMaxParallelChunks

@description('Timeout of one request to a market data source (ms).')
@minValue(100)
param marketDataHttpTimeoutMs int = loadJsonContent('settings-defaults.json').marketDataHttpTimeoutMs

@description('First retry delay after a 5xx/429/network error of a market data source (ms); doubles per attempt.')
@minValue(0)
param marketDataRetryBaseMs int = loadJsonContent('settings-defaults.json').marketDataRetryBaseMs

@description('Pause between SMARD chunk requests (ms).')
@minValue(0)
param smardPauseMs int = loadJsonContent('settings-defaults.json').smardPauseMs

@description('Base URL of the Open-Meteo forecast API (weather per region, issue 15).')
param openMeteoUrl string = loadJsonContent('settings-defaults.json').openMeteoUrl

@description('Base URL of the Open-Meteo historical (archive) API (weather backfill, issue 15).')
param openMeteoArchiveUrl string = loadJsonContent('settings-defaults.json').openMeteoArchiveUrl

@description('Most weather backfill chunks (region × year requests) in flight.')
@minValue(1)
@maxValue(16)
param weatherBackfillMaxParallel int = loadJsonContent('settings-defaults.json').weatherBackfillMaxParallel

@description('First retry delay (ms) of a weather backfill request; doubles per attempt.')
@minValue(0)
param weatherBackfillRetryBaseMs int = loadJsonContent('settings-defaults.json').weatherBackfillRetryBaseMs

@description('Lake source registry file (JSON, shared/lake/source-registry.ts), relative to the app root or absolute; empty: no scheduled sources. Its {env:NAME} placeholders are app settings added separately (e.g. Key Vault references).')
param lakeSourcesFile string = ''

@description('Weather regions file (JSON id/name/latitude/longitude), e.g. shared/lake/weather/regions.json (shipped); empty: no hourly weather ingestion.')
param weatherRegionsFile string = ''

@description('Stream feed URL (source D, issue 15); empty: the stream is not polled.')
param streamFeedUrl string = ''

@description('Application ID URI (or client id) of the API app registration: the audience bearer tokens must carry. Its app roles are listed in README.md, "Identity and roles".')
param authAudience string

@description('Entra tenant that issues the tokens; issuer and JWKS URL are derived from it.')
param authTenantId string = tenant().tenantId

@description('Claim holding the caller\'s market actor number (GLN/EIC), e.g. a directory extension claim.')
param authActorClaim string = loadJsonContent('settings-defaults.json').authActorClaim

@description('Public IPv4 CIDR ranges allowed through the firewalls of data storage, Service Bus and SQL. Empty and no subnet: storage and Service Bus stay open to identities; SQL admits nobody unless sqlAllowAzureServices.')
param allowedIpRanges array = []

@description('Subnet id for private endpoints of data storage (blob, table), Service Bus (Premium only) and SQL; when set, their public network access is disabled.')
param privateEndpointSubnetId string = ''

@description('Service Bus tier; a private endpoint needs Premium.')
@allowed([
  'Standard'
  'Premium'
])
param serviceBusSku string = 'Standard'

@description('Adds SQL\'s AllowAllWindowsAzureIps rule (any Azure IP of any tenant). Off by default: prefer privateEndpointSubnetId.')
param sqlAllowAzureServices bool = false

param tags object = {}

var names = loadJsonContent('names.json')

var envToken = toLower(replace(environmentName, '-', ''))
var token = uniqueString(resourceGroup().id, environmentName)
var allTags = union(tags, {
  application: 'settlement'
  environment: environmentName
})

// Blob containers in Azure. The container for local durable state (NAMES.containers, local host
// only) is not created: in Azure the Durable Functions extension keeps its task hub in the
// Functions host storage account (AzureWebJobsStorage) instead.
var blobContainerNames = [
  names.containers.basisData
  names.containers.results
  names.containers.messages
  names.containers.exports
  names.containers.marketData
  names.containers.catalog
]

// The data lake (issue 15) lives in its own account with a hierarchical namespace (ADLS Gen2):
// HNS is fixed when an account is created, so it cannot be switched on for the data account
// that existing environments already hold; zones and partitions: shared/lake/zones.ts.
var lakeContainerNames = [
  names.containers.lake
]

var tableNames = [
  names.tables.jobs
  names.tables.jobLocks
  names.tables.integrationEvents
  names.tables.auditLog
]

var serviceBusTopics = [
  {
    name: names.serviceBus.domainEventsTopic
    subscriptions: [
      names.serviceBus.resultSenderSubscription
      names.serviceBus.esettSenderSubscription
    ]
  }
  {
    name: names.serviceBus.integrationEventsTopic
    subscriptions: [
      names.serviceBus.basisDataSubscription
    ]
  }
  {
    name: names.serviceBus.lakeStreamTopic
    subscriptions: [
      names.serviceBus.lakeStreamRawSubscription
    ]
  }
]

var serviceBusQueues = [
  names.serviceBus.integrationEventsPoisonQueue
  names.serviceBus.dataAvailableQueue
  names.serviceBus.bundleRequestQueue
  names.serviceBus.bundleReplyQueue
  names.serviceBus.esettQueue
  names.serviceBus.catalogProfileQueue
]

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'log-settle-${envToken}-${token}'
    appInsightsName: 'appi-settle-${envToken}-${token}'
    location: location
    tags: allTags
  }
}

module dataStorage 'modules/storage-account.bicep' = {
  name: 'data-storage'
  params: {
    name: take('stdata${envToken}${token}', 24)
    location: location
    skuName: dataStorageSku
    containerNames: blobContainerNames
    tableNames: tableNames
    allowedIpRanges: allowedIpRanges
    privateEndpointSubnetId: privateEndpointSubnetId
    tags: allTags
  }
}

module lakeStorage 'modules/storage-account.bicep' = {
  name: 'lake-storage'
  params: {
    name: take('stlake${envToken}${token}', 24)
    location: location
    skuName: dataStorageSku
    containerNames: lakeContainerNames
    isHnsEnabled: true
    allowedIpRanges: allowedIpRanges
    privateEndpointSubnetId: privateEndpointSubnetId
    tags: allTags
  }
}

// Flex Consumption deploys the code as a package blob in this container of the host storage
// account and reads it with the app's identity (no content share, no key).
var deploymentContainerName = 'app-package'

module hostStorage 'modules/storage-account.bicep' = {
  name: 'host-storage'
  params: {
    name: take('stfunc${envToken}${token}', 24)
    location: location
    skuName: 'Standard_LRS'
    containerNames: [
      deploymentContainerName
    ]
    tags: allTags
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  params: {
    namespaceName: 'sb-settle-${envToken}-${token}'
    location: location
    topics: serviceBusTopics
    queues: serviceBusQueues
    maxDeliveryCount: 10
    skuName: serviceBusSku
    allowedIpRanges: allowedIpRanges
    privateEndpointSubnetId: privateEndpointSubnetId
    tags: allTags
  }
}

module search 'modules/search.bicep' = {
  name: 'search'
  params: {
    name: 'srch-settle-${envToken}-${token}'
    location: location
    skuName: searchSku
    tags: allTags
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  params: {
    serverName: 'sql-settle-${envToken}-${token}'
    databaseName: sqlDatabaseName
    location: location
    adminObjectId: sqlAdminObjectId
    adminLogin: sqlAdminLogin
    adminPrincipalType: sqlAdminPrincipalType
    databaseSku: sqlDatabaseSku
    allowedIpRanges: allowedIpRanges
    privateEndpointSubnetId: privateEndpointSubnetId
    allowAzureServices: sqlAllowAzureServices
    tags: allTags
  }
}

// Settings the app reads (shared/config/settings.ts). The two connection-string settings (storage,
// Service Bus) are deliberately absent: in Azure the app authenticates with its managed identity,
// the app would prefer a connection string if one were set, and an empty value fails validation.
var appSettings = [
  {
    name: names.settings.storageAccountName
    value: dataStorage.outputs.name
  }
  {
    name: names.settings.lakeStorageAccountName
    value: lakeStorage.outputs.name
  }
  {
    name: names.settings.lakeSourcesFile
    value: lakeSourcesFile
  }
  {
    name: names.settings.openMeteoUrl
    value: openMeteoUrl
  }
  {
    name: names.settings.openMeteoArchiveUrl
    value: openMeteoArchiveUrl
  }
  {
    name: names.settings.weatherBackfillMaxParallel
    value: string(weatherBackfillMaxParallel)
  }
  {
    name: names.settings.weatherBackfillRetryBaseMs
    value: string(weatherBackfillRetryBaseMs)
  }
  {
    name: names.settings.weatherRegionsFile
    value: weatherRegionsFile
  }
  {
    name: names.settings.streamFeedUrl
    value: streamFeedUrl
  }
  {
    name: names.settings.serviceBusNamespace
    value: serviceBus.outputs.fullyQualifiedNamespace
  }
  {
    // identity-based connection of the Service Bus triggers (the Functions host reads it)
    name: '${names.serviceBus.triggerConnection}__fullyQualifiedNamespace'
    value: serviceBus.outputs.fullyQualifiedNamespace
  }
  {
    name: names.settings.jobStore
    value: 'sql'
  }
  {
    // Passwordless: DefaultAzureCredential, i.e. the managed identity in Azure. The app opens it
    // with mssql (tedious), whose connection-string parser maps "Active Directory Integrated"
    // (without client id/secret) to DefaultAzureCredential and does NOT recognise the ADO.NET
    // keyword "Active Directory Default" (it would fall back to SQL logins). The unit test parses
    // this string with mssql to keep it that way.
    name: names.settings.sqlConnectionString
    value: 'Server=tcp:${sql.outputs.fullyQualifiedDomainName},1433;Database=${sql.outputs.databaseName};Authentication=Active Directory Integrated;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;'
  }
  {
    name: names.settings.schedule
    value: string(settlementSchedule)
  }
  {
    name: names.settings.maxParallelBatches
    value: string(maxParallelBatches)
  }
  {
    name: names.settings.batchMaxPoints
    value: string(batchMaxPoints)
  }
  {
    name: names.settings.quarterlyTransition
    value: quarterlyTransition
  }
  {
    name: names.settings.esettReceiverId
    value: esettReceiverId
  }
  {
    // the app's OpenTelemetry (functions/telemetry.ts) and the host's own telemetry go here
    name: names.settings.appInsightsConnectionString
    value: monitoring.outputs.connectionString
  }
  {
    // telemetry authenticated with the system-assigned identity (the component disables keys)
    name: names.settings.appInsightsAuthenticationString
    value: 'Authorization=AAD'
  }
  {
    name: names.settings.maxJobRequestBodyBytes
    value: string(maxJobRequestBodyBytes)
  }
  {
    name: names.settings.maxIngestionBodyBytes
    value: string(maxIngestionBodyBytes)
  }
  {
    name: names.settings.staleRequestedJobMinutes
    value: string(staleRequestedJobMinutes)
  }
  {
    name: names.settings.resultsPageMaxRows
    value: string(resultsPageMaxRows)
  }
  {
    name: names.settings.maxPeriodDaysEnergy
    value: string(maxPeriodDaysEnergy)
  }
  {
    name: names.settings.maxCatalogUploadBytes
    value: string(maxCatalogUploadBytes)
  }
  {
    name: names.settings.lakePageMaxRows
    value: string(lakePageMaxRows)
  }
  {
    name: names.settings.maxCustomerUploadBytes
    value: string(maxCustomerUploadBytes)
  }
  {
    name: names.settings.catalogDiscoverySchedule
    value: catalogDiscoverySchedule
  }
  {
    name: names.settings.catalogEdsUrl
    value: catalogEdsUrl
  }
  {
    name: names.settings.catalogCkanUrl
    value: catalogCkanUrl
  }
  {
    name: names.settings.catalogQueryDiscoveryMs
    value: string(catalogQueryDiscoveryMs)
  }
  {
    // set: the catalog index is Azure AI Search (with the identity), not the embedded one
    name: names.settings.azureSearchEndpoint
    value: search.outputs.endpoint
  }
  {
    name: names.settings.azureSearchIndex
    value: searchIndexName
  }
  {
    // Entra ID v2.0 access tokens of the tenant (shared/auth/token-validator.ts)
    name: names.settings.authIssuer
    value: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
  }
  {
    name: names.settings.authJwksUrl
    value: '${environment().authentication.loginEndpoint}${authTenantId}/discovery/v2.0/keys'
  }
  {
    name: names.settings.authAudience
    value: authAudience
  }
  {
    name: names.settings.authActorClaim
    value: authActorClaim
  }
  {
    name: names.settings.energiDataServiceUrl
    value: energiDataServiceUrl
  }
  {
    name: names.settings.smardUrl
    value: smardUrl
  }
  {
    name: names.settings.marketDataTimerSources
    value: string(marketDataTimerSources)
  }
  {
    name: names.settings.marketDataTimerCron
    value: marketDataTimerCron
  }
  {
    name: names.settings.marketDataMaxParallelChunks
    value: string(marketDataMaxParallelChunks)
  }
  {
    name: names.settings.marketDataHttpTimeoutMs
    value: string(marketDataHttpTimeoutMs)
  }
  {
    name: names.settings.marketDataRetryBaseMs
    value: string(marketDataRetryBaseMs)
  }
  {
    name: names.settings.smardPauseMs
    value: string(smardPauseMs)
  }
]

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: 'func-settle-${envToken}-${token}'
    planName: 'plan-settle-${envToken}-${token}'
    location: location
    hostStorageAccountName: hostStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
    requestBodySizeLimit: max(maxIngestionBodyBytes, maxJobRequestBodyBytes, maxCatalogUploadBytes, maxCustomerUploadBytes)
    tags: allTags
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    principalId: functionApp.outputs.principalId
    hostStorageAccountName: hostStorage.outputs.name
    dataStorageAccountName: dataStorage.outputs.name
    lakeStorageAccountName: lakeStorage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    appInsightsName: monitoring.outputs.appInsightsName
    searchServiceName: search.outputs.name
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output storageAccountName string = dataStorage.outputs.name
output hostStorageAccountName string = hostStorage.outputs.name
output serviceBusNamespace string = serviceBus.outputs.namespaceName
output serviceBusFullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output sqlServerFullyQualifiedDomainName string = sql.outputs.fullyQualifiedDomainName
output sqlDatabaseName string = sql.outputs.databaseName
output appInsightsName string = monitoring.outputs.appInsightsName
output searchEndpoint string = search.outputs.endpoint
