// Where the container apps' console output goes (az containerapp logs show reads it live; queries run here).
param name string
param location string
param retentionDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: name
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionDays
  }
}

output customerId string = workspace.properties.customerId
output name string = workspace.name
