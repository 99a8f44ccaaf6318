// An Azure Files share mounted at /data in web, worker and the job: an uploaded CSV is saved by the web app and
// read by the worker that imports it, so both must see the same DATA_DIR.
param name string
param location string
param shareName string = 'leadops-data'
param shareQuotaGB int = 100

resource account 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
  }
}

resource files 'Microsoft.Storage/storageAccounts/fileServices@2023-01-01' = {
  parent: account
  name: 'default'
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-01-01' = {
  parent: files
  name: shareName
  properties: {
    shareQuota: shareQuotaGB
  }
}

output accountName string = account.name
output shareName string = share.name
