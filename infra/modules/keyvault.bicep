// Key Vault holds every secret; the apps' identity may read them (Key Vault Secrets User) and nothing else.
// The connection strings are assembled here, so no secret passes through an app's plain settings.
param name string
param location string
param readerPrincipalId string
@secure()
param secretKey string
param postgresFqdn string
param postgresDatabase string
param postgresLogin string
@secure()
param postgresPassword string
param redisName string
@secure()
param emailHostPassword string = ''
@secure()
param openaiApiKey string = ''
@secure()
param inboundEmailSecret string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource redis 'Microsoft.Cache/redis@2023-08-01' existing = {
  name: redisName
}

var redisPassword = redis.listKeys().primaryKey
// rediss:// is TLS; ssl_cert_reqs=required makes redis-py and kombu check the server's certificate.
var redisUrl = 'rediss://:${uriComponent(redisPassword)}@${redis.properties.hostName}:${redis.properties.sslPort}/0?ssl_cert_reqs=required'
var databaseUrl = 'postgres://${postgresLogin}:${uriComponent(postgresPassword)}@${postgresFqdn}:5432/${postgresDatabase}?sslmode=require'

var secrets = {
  'secret-key': secretKey
  'database-url': databaseUrl
  'redis-url': redisUrl
  'redis-password': redisPassword
  'email-host-password': emailHostPassword
  'openai-api-key': openaiApiKey
  'inbound-email-secret': inboundEmailSecret
}

// Only the secrets given a value are stored (and so referenced by the apps): Key Vault refuses an empty one.
var kept = filter(items(secrets), secret => !empty(secret.value))

resource stored 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secret in kept: {
  parent: vault
  name: secret.key
  properties: {
    value: secret.value
  }
}]

var secretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

resource read 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, secretsUserRole)
  scope: vault
  properties: {
    roleDefinitionId: secretsUserRole
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Secrets are read at versionless URLs ('<vaultUri>secrets/<name>'): a revision reads the current version.
output vaultUri string = vault.properties.vaultUri
output secretNames array = map(kept, secret => secret.key)
output name string = vault.name
