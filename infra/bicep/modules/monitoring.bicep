// Log Analytics workspace and a workspace-based Application Insights component. Local (key)
// ingestion is disabled: the function app sends telemetry with its managed identity, which needs
// Monitoring Metrics Publisher on the component (role-assignments.bicep).

param workspaceName string
param appInsightsName string
param location string

@minValue(30)
@maxValue(730)
param retentionInDays int = 30

param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

output workspaceName string = workspace.name
output appInsightsName string = appInsights.name
// not a secret: it identifies the component; ingestion needs the app's identity (local auth is off)
output connectionString string = appInsights.properties.ConnectionString
