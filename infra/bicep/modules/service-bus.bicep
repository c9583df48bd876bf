// Service Bus namespace (Standard: topics need it) with one topic and one subscription. Local
// (SAS key) authentication is disabled: clients use Microsoft Entra with data-plane roles.

param namespaceName string
param location string
param topicName string
param subscriptionName string

@description('Deliveries before a message is dead-lettered.')
@minValue(1)
param maxDeliveryCount int = 10

@description('Time to live of a message that nobody receives (ISO 8601); expired messages are dead-lettered.')
param messageTimeToLive string = 'P14D'

@description('Window in which a resent message id is dropped as a duplicate (ISO 8601). Fixed at topic creation.')
param duplicateDetectionWindow string = 'PT1H'

param tags object = {}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: topicName
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

resource topicSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: topic
  name: subscriptionName
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

output namespaceName string = namespace.name
// serviceBusEndpoint is 'https://<name>.servicebus.windows.net:443/'; keep the host only
output fullyQualifiedNamespace string = replace(split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0], '/', '')
output topicName string = topic.name
output subscriptionName string = topicSubscription.name
