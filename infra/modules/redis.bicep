// Azure Cache for Redis: the Celery broker and the shared cache, reached over TLS on port 6380 only.
param name string
param location string
@allowed(['Basic', 'Standard', 'Premium'])
param sku string = 'Standard'
@description('C family size 0-6 (Basic, Standard) or P family 1-5 (Premium)')
param capacity int = 1

resource redis 'Microsoft.Cache/redis@2023-08-01' = {
  name: name
  location: location
  properties: {
    sku: {
      name: sku
      family: sku == 'Premium' ? 'P' : 'C'
      capacity: capacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisConfiguration: {
      // Queued tasks must never be evicted to make room: the broker refuses new ones instead.
      'maxmemory-policy': 'noeviction'
    }
  }
}

output hostName string = redis.properties.hostName
output sslPort int = redis.properties.sslPort
output name string = redis.name
