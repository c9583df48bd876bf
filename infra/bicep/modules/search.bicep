// Azure AI Search service for the dataset catalog's index (shared/catalog/index/azure-search-index.ts).
// The app creates and updates the index schema itself at startup, so the template holds only the
// service. Key authentication is off: the app signs in with its managed identity
// (Search Index Data Contributor for documents, Search Service Contributor to create the index).

param name string
param location string

@description('Search tier; free is limited to one per subscription and 50 MB, basic holds 2 GB per partition.')
param skuName string

param tags object = {}

resource search 'Microsoft.Search/searchServices@2023-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    replicaCount: 1
    partitionCount: 1
    hostingMode: 'default'
    // reached over the public endpoint with Entra tokens only (no admin or query keys)
    publicNetworkAccess: 'enabled'
    disableLocalAuth: true
  }
}

output name string = search.name
output endpoint string = 'https://${search.name}.search.windows.net'
