// The Container Apps environment and what runs in it, all from the one image: web (ingress, health probes on
// /healthz, scaled on HTTP load), worker (scaled on the Redis queue length), beat (exactly one replica) and the
// migration job run before each release. An optional sending worker takes the `sending` queue on its own.
param location string
param namePrefix string
param image string
param identityId string
param registryServer string
param workspaceCustomerId string
param workspaceName string
param storageAccountName string
param storageShareName string
param vaultUri string
@description('The Key Vault secrets that exist (keyvault.bicep stores only those given a value)')
param secretNames array
param redisHostName string
param redisSslPort int

@description('CPU cores (as text: 0.25 to 4) and memory of each container, and replica bounds')
param web object = { cpu: '0.5', memory: '1Gi', minReplicas: 1, maxReplicas: 10, gunicornWorkers: 2, concurrentRequests: 10 }
param worker object = { cpu: '1.0', memory: '2Gi', minReplicas: 1, maxReplicas: 10, concurrency: 2, queueLength: 200 }
param sendingWorker object = { enabled: false, cpu: '0.5', memory: '1Gi', minReplicas: 1, maxReplicas: 3, concurrency: 2, queueLength: 100 }
param beat object = { cpu: '0.25', memory: '0.5Gi' }

param customDomain string = ''
@description('Name of the managed certificate for customDomain in this environment (made by az containerapp hostname bind)')
param managedCertificateName string = ''

@description('Plain (non-secret) settings: EMAIL_*, SENDER_POSTAL_ADDRESS, LLM_*, quotas ... as { name, value } pairs')
param settings array = []
param hstsSeconds int = 31536000
param hstsIncludeSubdomains bool = true
param hstsPreload bool = true

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' existing = {
  name: workspaceName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {
  name: storageAccountName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspaceCustomerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
  }
}

resource dataShare 'Microsoft.App/managedEnvironments/storages@2024-03-01' = {
  parent: environment
  name: 'leadops-data'
  properties: {
    azureFile: {
      accountName: storageAccountName
      accountKey: storageAccount.listKeys().keys[0].value
      shareName: storageShareName
      accessMode: 'ReadWrite'
    }
  }
}

var webName = '${namePrefix}-web'
var webFqdn = '${webName}.${environment.properties.defaultDomain}'
var publicHost = empty(customDomain) ? webFqdn : customDomain
var allowedHosts = empty(customDomain) ? '${webFqdn},127.0.0.1' : '${customDomain},${webFqdn},127.0.0.1'
var trustedOrigins = empty(customDomain) ? 'https://${webFqdn}' : 'https://${customDomain},https://${webFqdn}'
var routes = sendingWorker.enabled ? 'scoring.tasks.qualify_*=qualification,outreach.tasks.send_draft=sending' : ''

// Secrets: Key Vault references, read with the apps' identity when a revision starts.
var secrets = [for name in secretNames: {
  name: name
  keyVaultUrl: '${vaultUri}secrets/${name}'
  identity: identityId
}]

var secretSettings = {
  SECRET_KEY: 'secret-key'
  DATABASE_URL: 'database-url'
  REDIS_URL: 'redis-url'
  EMAIL_HOST_PASSWORD: 'email-host-password'
  OPENAI_API_KEY: 'openai-api-key'
  INBOUND_EMAIL_SECRET: 'inbound-email-secret'
}
var secretEnvironment = map(filter(items(secretSettings), setting => contains(secretNames, setting.value)), setting => {
  name: setting.key
  secretRef: setting.value
})

var environmentVariables = concat(secretEnvironment, [
  { name: 'ALLOWED_HOSTS', value: allowedHosts }
  { name: 'SITE_URL', value: 'https://${publicHost}' }
  { name: 'CSRF_TRUSTED_ORIGINS', value: trustedOrigins }
  { name: 'SECURE_COOKIES', value: 'true' }
  { name: 'SECURE_SSL_REDIRECT', value: 'true' }
  // The ingress terminates TLS and sets this header on every request it forwards, overwriting a client's.
  { name: 'SECURE_PROXY_SSL_HEADER', value: 'X-Forwarded-Proto=https' }
  { name: 'SECURE_HSTS_SECONDS', value: string(hstsSeconds) }
  { name: 'SECURE_HSTS_INCLUDE_SUBDOMAINS', value: string(hstsIncludeSubdomains) }
  { name: 'SECURE_HSTS_PRELOAD', value: string(hstsPreload) }
  { name: 'DATA_DIR', value: '/data' }
  { name: 'LOG_FORMAT', value: 'json' }
  { name: 'CELERY_TASK_ROUTES', value: routes }
], settings)

var registries = [
  {
    server: registryServer
    identity: identityId
  }
]

var volumes = [
  {
    name: 'data'
    storageType: 'AzureFile'
    storageName: dataShare.name
    // The image runs as uid 10001 (Dockerfile); SMB shares are root's unless mounted for it.
    mountOptions: 'uid=10001,gid=10001,dir_mode=0750,file_mode=0640'
  }
]
var volumeMounts = [
  {
    volumeName: 'data'
    mountPath: '/data'
  }
]

// The container's own checks call http://127.0.0.1:8000/healthz; ALLOWED_HOSTS holds 127.0.0.1 for them and
// SECURE_SSL_REDIRECT leaves /healthz alone. Readiness takes a replica out of the load balancer while the
// database is down (503); liveness only asks whether gunicorn answers, since restarting cannot fix a database.
var healthz = {
  path: '/healthz'
  port: 8000
  scheme: 'HTTP'
  httpHeaders: [
    {
      name: 'Host'
      value: '127.0.0.1'
    }
  ]
}

resource webApp 'Microsoft.App/containerApps@2024-03-01' = {
  name: webName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
      ingress: {
        external: true
        targetPort: 8000
        transport: 'auto'
        allowInsecure: false
        customDomains: empty(customDomain) || empty(managedCertificateName) ? [] : [
          {
            name: customDomain
            bindingType: 'SniEnabled'
            certificateId: '${environment.id}/managedCertificates/${managedCertificateName}'
          }
        ]
      }
    }
    template: {
      containers: [
        {
          name: 'web'
          image: image
          env: concat(environmentVariables, [{ name: 'WEB_CONCURRENCY', value: string(web.gunicornWorkers) }])
          resources: {
            cpu: json(web.cpu)
            memory: web.memory
          }
          volumeMounts: volumeMounts
          probes: [
            {
              type: 'Startup'
              httpGet: healthz
              initialDelaySeconds: 5
              periodSeconds: 5
              failureThreshold: 24
            }
            {
              type: 'Readiness'
              httpGet: healthz
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Liveness'
              tcpSocket: { port: 8000 }
              periodSeconds: 30
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: web.minReplicas
        maxReplicas: web.maxReplicas
        rules: [
          {
            name: 'http-load'
            http: {
              metadata: {
                concurrentRequests: string(web.concurrentRequests)
              }
            }
          }
        ]
      }
      volumes: volumes
    }
  }
}

// KEDA's Redis scaler reads the length of the Celery queue (a Redis list named after the queue).
func queueRule(queue string, length int, host string, port int) object => {
  name: 'queue-${queue}'
  custom: {
    type: 'redis'
    metadata: {
      address: '${host}:${port}'
      listName: queue
      listLength: string(length)
      enableTLS: 'true'
      databaseIndex: '0'
    }
    auth: [
      {
        secretRef: 'redis-password'
        triggerParameter: 'password'
      }
    ]
  }
}

var workerQueues = sendingWorker.enabled ? ['celery', 'qualification'] : ['celery', 'qualification', 'sending']

resource workerApp 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-worker'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          command: ['celery', '-A', 'leadops', 'worker', '--loglevel=INFO', '--concurrency=${worker.concurrency}', '-Q', join(workerQueues, ',')]
          env: environmentVariables
          resources: {
            cpu: json(worker.cpu)
            memory: worker.memory
          }
          volumeMounts: volumeMounts
        }
      ]
      scale: {
        minReplicas: worker.minReplicas
        maxReplicas: worker.maxReplicas
        rules: [for queue in workerQueues: queueRule(queue, worker.queueLength, redisHostName, redisSslPort)]
      }
      volumes: volumes
    }
  }
}

resource sendingApp 'Microsoft.App/containerApps@2024-03-01' = if (sendingWorker.enabled) {
  name: '${namePrefix}-sender'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'sender'
          image: image
          command: ['celery', '-A', 'leadops', 'worker', '--loglevel=INFO', '--concurrency=${sendingWorker.concurrency}', '-Q', 'sending']
          env: environmentVariables
          resources: {
            cpu: json(sendingWorker.cpu)
            memory: sendingWorker.memory
          }
          volumeMounts: volumeMounts
        }
      ]
      scale: {
        minReplicas: sendingWorker.minReplicas
        maxReplicas: sendingWorker.maxReplicas
        rules: [queueRule('sending', sendingWorker.queueLength, redisHostName, redisSslPort)]
      }
      volumes: volumes
    }
  }
}

// One scheduler, never more: two would queue every periodic task twice.
resource beatApp 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-beat'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'beat'
          image: image
          command: ['celery', '-A', 'leadops', 'beat', '--loglevel=INFO', '--scheduler', 'django_celery_beat.schedulers:DatabaseScheduler']
          env: environmentVariables
          resources: {
            cpu: json(beat.cpu)
            memory: beat.memory
          }
        }
      ]
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

// Run before each release (az containerapp job start): migrations first, then the apps move to the new image.
resource migrateJob 'Microsoft.App/jobs@2024-03-01' = {
  name: '${namePrefix}-migrate'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environment.id
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: 1800
      replicaRetryLimit: 0
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      secrets: secrets
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'migrate'
          image: image
          command: ['python', 'manage.py', 'migrate', '--noinput']
          env: environmentVariables
          resources: {
            cpu: json(beat.cpu)
            memory: beat.memory
          }
        }
      ]
    }
  }
}

output webFqdn string = webFqdn
output environmentName string = environment.name
output environmentDefaultDomain string = environment.properties.defaultDomain
output environmentStaticIp string = environment.properties.staticIp
output customDomainVerificationId string = environment.properties.customDomainConfiguration.customDomainVerificationId
output appNames array = concat([webApp.name, workerApp.name, beatApp.name], sendingWorker.enabled ? ['${namePrefix}-sender'] : [])
output migrateJobName string = migrateJob.name
