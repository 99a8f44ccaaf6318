// The quick path (AZURE_DEPLOYMENT.md, "App Service instead"): the web container on App Service for Linux,
// next to the registry, Key Vault, identity and services main.bicep made. Worker and beat stay in Container
// Apps (or any host running the same image); App Service runs the web only.
targetScope = 'resourceGroup'

param namePrefix string = 'leadops'
param location string = resourceGroup().location
param imageTag string = 'latest'
@description('Names main.bicep printed: registryName and keyVaultName')
param registryName string
param keyVaultName string
param skuName string = 'P1v3'
param gunicornWorkers int = 2
@description('Your host name for the site, e.g. leads.example.com (empty: its own *.azurewebsites.net name)')
param customDomain string = ''
@description('Plain settings as { name, value } pairs, as for main.bicep')
param settings array = []

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: '${namePrefix}-apps'
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource plan 'Microsoft.Web/serverfarms@2023-01-01' = {
  name: '${namePrefix}-plan'
  location: location
  kind: 'linux'
  sku: { name: skuName }
  properties: {
    reserved: true
  }
}

func vaultReference(vaultUri string, secret string) string => '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${secret})'

var siteName = '${namePrefix}-web-${take(uniqueString(resourceGroup().id), 6)}'
var defaultHost = '${siteName}.azurewebsites.net'
var publicHost = empty(customDomain) ? defaultHost : customDomain

resource site 'Microsoft.Web/sites@2023-01-01' = {
  name: siteName
  location: location
  kind: 'app,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'DOCKER|${registry.properties.loginServer}/leadops:${imageTag}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identity.properties.clientId
      healthCheckPath: '/healthz'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      appSettings: concat([
        { name: 'WEBSITES_PORT', value: '8000' }
        { name: 'WEB_CONCURRENCY', value: string(gunicornWorkers) }
        { name: 'SECRET_KEY', value: vaultReference(vault.properties.vaultUri, 'secret-key') }
        { name: 'DATABASE_URL', value: vaultReference(vault.properties.vaultUri, 'database-url') }
        { name: 'REDIS_URL', value: vaultReference(vault.properties.vaultUri, 'redis-url') }
        { name: 'ALLOWED_HOSTS', value: '${publicHost},${defaultHost},127.0.0.1' }
        { name: 'SITE_URL', value: 'https://${publicHost}' }
        { name: 'CSRF_TRUSTED_ORIGINS', value: 'https://${publicHost}' }
        { name: 'SECURE_COOKIES', value: 'true' }
        { name: 'SECURE_SSL_REDIRECT', value: 'true' }
        { name: 'SECURE_PROXY_SSL_HEADER', value: 'X-Forwarded-Proto=https' }
        { name: 'SECURE_HSTS_SECONDS', value: '31536000' }
        { name: 'SECURE_HSTS_INCLUDE_SUBDOMAINS', value: 'true' }
        { name: 'SECURE_HSTS_PRELOAD', value: 'true' }
        { name: 'LOG_FORMAT', value: 'json' }
      ], settings)
    }
  }
}

output webUrl string = 'https://${site.properties.defaultHostName}'
