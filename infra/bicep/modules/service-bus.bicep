// Service Bus namespace (Standard: topics need it) with the app's topics, their subscriptions and
// its queues. Local (SAS key) authentication is disabled: clients use Microsoft Entra with
// data-plane roles.

param namespaceName string
param location string

@description('Topics and their subscriptions: [{ name: string, subscriptions: string[] }].')
param topics array

@description('The queues to create.')
param queues array

@description('Deliveries before a message is dead-lettered.')
@minValue(1)
param maxDeliveryCount int = 10

@description('Time to live of a message that nobody receives (ISO 8601); expired messages are dead-lettered.')
param messageTimeToLive string = 'P14D'

@description('Window in which a resent message id is dropped as a duplicate (ISO 8601). Fixed at creation.')
param duplicateDetectionWindow string = 'PT1H'

@description('Standard, or Premium (needed for a private endpoint).')
@allowed([
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

@description('Public IPv4 addresses or CIDR ranges allowed through the namespace firewall; empty = open (Entra still required).')
param allowedIpRanges array = []

@description('Subnet for a private endpoint (Premium only); when set, public network access is disabled.')
param privateEndpointSubnetId string = ''

param tags object = {}

var privateEndpoint = !empty(privateEndpointSubnetId) && skuName == 'Premium'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: privateEndpoint ? 'Disabled' : 'Enabled'
  }
}

resource networkRules 'Microsoft.ServiceBus/namespaces/networkRuleSets@2024-01-01' = if (!empty(allowedIpRanges)) {
  parent: namespace
  name: 'default'
  properties: {
    defaultAction: 'Deny'
    publicNetworkAccess: privateEndpoint ? 'Disabled' : 'Enabled'
    trustedServiceAccessEnabled: true
    ipRules: [for ip in allowedIpRanges: { ipMask: ip, action: 'Allow' }]
  }
}

resource namespacePrivateEndpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = if (privateEndpoint) {
  name: 'pe-${namespaceName}'
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      {
        name: namespaceName
        properties: { privateLinkServiceId: namespace.id, groupIds: ['namespace'] }
      }
    ]
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = [
  for t in topics: {
    parent: namespace
    name: t.name
    properties: {
      defaultMessageTimeToLive: messageTimeToLive
      enableBatchedOperations: true
      maxSizeInMegabytes: 1024
      // publishers retry with the same message id (durable activity retries); drop the duplicates
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      supportOrdering: true
    }
  }
]

// one flat list of (topic index, subscription) pairs: Bicep loops cannot nest
var subscriptionPairs = flatten(map(range(0, length(topics)), i => map(topics[i].subscriptions, s => {
  topicIndex: i
  name: s
})))

resource topicSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for p in subscriptionPairs: {
    parent: topic[p.topicIndex]
    name: p.name
    properties: {
      maxDeliveryCount: maxDeliveryCount
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
      defaultMessageTimeToLive: messageTimeToLive
      lockDuration: 'PT1M'
      requiresSession: false
      enableBatchedOperations: true
    }
  }
]

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for q in queues: {
    parent: namespace
    name: q
    properties: {
      maxDeliveryCount: maxDeliveryCount
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: messageTimeToLive
      lockDuration: 'PT1M'
      // senders reuse the document/notification id as message id: a resend is dropped
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      requiresSession: false
      enableBatchedOperations: true
    }
  }
]

output namespaceName string = namespace.name
// serviceBusEndpoint is 'https://<name>.servicebus.windows.net:443/'; keep the host only
output fullyQualifiedNamespace string = replace(split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0], '/', '')
