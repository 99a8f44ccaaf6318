// Azure Database for PostgreSQL flexible server: the database that holds everything that matters.
param name string
param location string
param administratorLogin string = 'leadops'
@secure()
param administratorPassword string
param databaseName string = 'leadops'
param version string = '16'
@description('Compute tier and SKU, e.g. Burstable / Standard_B2s, GeneralPurpose / Standard_D2ds_v5')
param tier string = 'Burstable'
param skuName string = 'Standard_B2s'
param storageSizeGB int = 32
param backupRetentionDays int = 7
param highAvailability bool = false

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: name
  location: location
  sku: {
    name: skuName
    tier: tier
  }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    storage: { storageSizeGB: storageSizeGB }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: { mode: highAvailability ? 'ZoneRedundant' : 'Disabled' }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// The apps reach the server over its public endpoint with TLS; this rule admits Azure services only.
// For a private network, put the environment and the server in one virtual network (AZURE_DEPLOYMENT.md).
resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: server
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

output fqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
output administratorLogin string = administratorLogin
