/**
 * Every name of a resource or setting the app uses, in one place. Infrastructure
 * (infra/bicep) takes the same names; test/unit/infra-names.test.ts checks they agree.
 */
export const NAMES = {
  /** Blob containers */
  containers: {
    /** Basis data lake (metering_point_periods/, grid_loss_metering_points/, time_series_points/...). */
    basisData: 'basis-data',
    /** Job outputs: `jobs/{jobId}/...` with `_manifest.json` written last. */
    results: 'settlement-results',
    /** Local durable runtime state (orchestration histories) — local host only. */
    durableLocal: 'durable-local',
  },
  /** Table storage tables */
  tables: {
    jobs: 'SettlementJobs',
    /** Reservation rows that stop a second job for the same type, period and grid areas. */
    jobLocks: 'SettlementJobLocks',
  },
  /** Service Bus */
  serviceBus: {
    /** Topic for domain events published by settlement (calculation-completed). */
    domainEventsTopic: 'settlement-domain-events',
    /** Subscription of the result senders on the domain events topic. */
    resultSenderSubscription: 'result-sender',
    /** Message type (application property `MessageType` and subject) of the completion event. */
    calculationCompletedMessageType: 'CalculationCompletedV1',
  },
  /** Durable Functions */
  durable: {
    taskHub: 'SettlementHub',
    settlementOrchestrator: 'SettlementOrchestrator',
    planActivity: 'PlanSettlementBatches',
    calculateBatchActivity: 'CalculateSettlementBatch',
    commitActivity: 'CommitSettlementJob',
    publishActivity: 'PublishCalculationCompleted',
    updateJobActivity: 'UpdateSettlementJob',
  },
  /** App settings (environment variables) */
  settings: {
    storageConnectionString: 'STORAGE_CONNECTION_STRING',
    storageAccountName: 'STORAGE_ACCOUNT_NAME',
    serviceBusConnectionString: 'SERVICEBUS_CONNECTION_STRING',
    serviceBusNamespace: 'SERVICEBUS_FULLY_QUALIFIED_NAMESPACE',
    sqlConnectionString: 'SQL_CONNECTION_STRING',
    jobStore: 'JOB_STORE',
    schedule: 'SETTLEMENT_SCHEDULE',
    maxParallelBatches: 'MAX_PARALLEL_BATCHES',
    batchMeteringPointThreshold: 'BATCH_METERING_POINT_THRESHOLD',
    quarterlyTransition: 'QUARTERLY_RESOLUTION_TRANSITION_DATETIME',
  },
} as const;
