// LeadOps on Azure Container Apps: everything AZURE_DEPLOYMENT.md walks through, in one resource group.
//   az deployment group create -g <group> -f infra/main.bicep -p infra/main.parameters.json -p deployApps=false ...
// The first run (deployApps=false) makes the registry and the services; build the image into the registry, then
// run again with deployApps=true (the default) to create the apps, the environment and the migration job.
targetScope = 'resourceGroup'

@description('Short lowercase prefix of every resource name')
@minLength(3)
@maxLength(12)
param namePrefix string = 'leadops'
param location string = resourceGroup().location
@description('Tag of leadops in the registry: each release builds a new one (az acr build -t leadops:<tag>)')
param imageTag string = 'latest'
@description('Create the Container Apps environment, apps and job (false on the very first run, before the image exists)')
param deployApps bool = true

@secure()
@description('Django SECRET_KEY: 50 random characters, python -c "import secrets; print(secrets.token_urlsafe(50))"')
param secretKey string
@secure()
@description('Password of the PostgreSQL administrator the app connects as')
param postgresPassword string
@secure()
param emailHostPassword string = ''
@secure()
param openaiApiKey string = ''
@secure()
param inboundEmailSecret string = ''

@description('Plain settings for the apps as { name, value } pairs: EMAIL_MODE, EMAIL_HOST, SENDER_POSTAL_ADDRESS, quotas, LLM_* ...')
param settings array = []

param registrySku string = 'Basic'
param postgres object = { tier: 'Burstable', skuName: 'Standard_B2s', storageSizeGB: 32, highAvailability: false }
param redis object = { sku: 'Standard', capacity: 1 }
param web object = { cpu: '0.5', memory: '1Gi', minReplicas: 1, maxReplicas: 10, gunicornWorkers: 2, concurrentRequests: 10 }
param worker object = { cpu: '1.0', memory: '2Gi', minReplicas: 1, maxReplicas: 10, concurrency: 2, queueLength: 200 }
param sendingWorker object = { enabled: false, cpu: '0.5', memory: '1Gi', minReplicas: 1, maxReplicas: 3, concurrency: 2, queueLength: 100 }
param beat object = { cpu: '0.25', memory: '0.5Gi' }
param logRetentionDays int = 30

@description('Your host name for the web app, e.g. leads.example.com (empty: the app\'s own *.azurecontainerapps.io name)')
param customDomain string = ''
@description('The managed certificate az containerapp hostname bind made for customDomain')
param managedCertificateName string = ''

// Globally unique names where Azure needs them, stable for one resource group.
var suffix = take(uniqueString(resourceGroup().id), 6)
var compactPrefix = replace(namePrefix, '-', '')

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '${namePrefix}-apps'
    location: location
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: '${namePrefix}-logs'
    location: location
    retentionDays: logRetentionDays
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: '${compactPrefix}${suffix}'
    location: location
    sku: registrySku
    pullPrincipalId: identity.outputs.principalId
  }
}

module database 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    name: '${namePrefix}-pg-${suffix}'
    location: location
    administratorPassword: postgresPassword
    tier: postgres.tier
    skuName: postgres.skuName
    storageSizeGB: postgres.storageSizeGB
    highAvailability: postgres.highAvailability
  }
}

module cache 'modules/redis.bicep' = {
  name: 'redis'
  params: {
    name: '${namePrefix}-redis-${suffix}'
    location: location
    sku: redis.sku
    capacity: redis.capacity
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: take('${compactPrefix}data${suffix}', 24)
    location: location
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: '${namePrefix}-kv-${suffix}'
    location: location
    readerPrincipalId: identity.outputs.principalId
    secretKey: secretKey
    postgresFqdn: database.outputs.fqdn
    postgresDatabase: database.outputs.databaseName
    postgresLogin: database.outputs.administratorLogin
    postgresPassword: postgresPassword
    redisName: cache.outputs.name
    emailHostPassword: emailHostPassword
    openaiApiKey: openaiApiKey
    inboundEmailSecret: inboundEmailSecret
  }
}

// Waits for the vault module (its role assignment included) through its outputs, so every revision can read them.
module apps 'modules/apps.bicep' = if (deployApps) {
  name: 'apps'
  params: {
    location: location
    namePrefix: namePrefix
    image: '${registry.outputs.loginServer}/leadops:${imageTag}'
    identityId: identity.outputs.id
    registryServer: registry.outputs.loginServer
    workspaceCustomerId: monitoring.outputs.customerId
    workspaceName: monitoring.outputs.name
    storageAccountName: storage.outputs.accountName
    storageShareName: storage.outputs.shareName
    vaultUri: vault.outputs.vaultUri
    secretNames: vault.outputs.secretNames
    redisHostName: cache.outputs.hostName
    redisSslPort: cache.outputs.sslPort
    web: web
    worker: worker
    sendingWorker: sendingWorker
    beat: beat
    customDomain: customDomain
    managedCertificateName: managedCertificateName
    settings: settings
  }
}

output registryName string = registry.outputs.name
output registryLoginServer string = registry.outputs.loginServer
output keyVaultName string = vault.outputs.name
output postgresFqdn string = database.outputs.fqdn
output webUrl string = deployApps ? 'https://${apps.outputs.webFqdn}' : ''
output environmentName string = deployApps ? apps.outputs.environmentName : ''
output migrateJobName string = deployApps ? apps.outputs.migrateJobName : ''
output customDomainVerificationId string = deployApps ? apps.outputs.customDomainVerificationId : ''
