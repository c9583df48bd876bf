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
    /** Outgoing market documents: `messages/{calculationId}/{receiver}/{documentId}.xml` (RSM-014, eSett). */
    messages: 'market-messages',
    /** Basis data exports: `exports/{jobId}/ga={gridArea}/...` with `status.json` written last. */
    exports: 'basis-data-exports',
    /**
     * Market data (issue 14): `raw/` responses as received, `curated/` normalised Parquet,
     * `operational/` backfill requests and chunk ledger (shared/market-data/lake-paths.ts).
     */
    marketData: 'market-data',
    /**
     * The data lake's zones (issue 15): `raw/{source}/day=…`, `curated/{dataset}/date=…`,
     * `operational/{dataset}/date=…` (shared/lake/zones.ts); in its own hierarchical-namespace account.
     */
    lake: 'data-lake',
    /** Dataset catalog: the embedded index `datasets/<id>.json`, uploads `uploads/<id>/data.<ext>`, `failures/<id>.json`. */
    catalog: 'dataset-catalog',
  },
  /** Table storage tables */
  tables: {
    jobs: 'SettlementJobs',
    /** Reservation rows that stop a second job for the same type, period and grid areas. */
    jobLocks: 'SettlementJobLocks',
    /** Append-only store of consumed integration events (bi-temporal basis data). */
    integrationEvents: 'IntegrationEvents',
    /** Append-only audit log of reads of results, basis data and exports (create-only entities). */
    auditLog: 'AuditLog',
  },
  /** Service Bus */
  serviceBus: {
    /** Topic for domain events published by settlement (calculation-completed). */
    domainEventsTopic: 'settlement-domain-events',
    /** Subscription of the result senders on the domain events topic. */
    resultSenderSubscription: 'result-sender',
    /** Subscription of the eSett sender on the domain events topic. */
    esettSenderSubscription: 'esett-sender',
    /** Topic where other domains publish integration events (protobuf; MessageType/EventId properties). */
    integrationEventsTopic: 'integration-events',
    /** Settlement's subscription on the integration events topic (basis data). */
    basisDataSubscription: 'settlement-basis-data',
    /**
     * Where an invalid integration event goes with its reason when the host cannot dead-letter
     * it itself (the Azure Functions Node trigger cannot settle messages; see functions/index.ts).
     */
    integrationEventsPoisonQueue: 'integration-events-poison',
    /** MessageHub's DataAvailable notification queue. */
    dataAvailableQueue: 'dataavailable',
    /** MessageHub's bundle requests to this domain, and our replies. */
    bundleRequestQueue: 'settlement-bundle-request',
    bundleReplyQueue: 'settlement-bundle-reply',
    /** Documents for eSett (imbalance settlement). */
    esettQueue: 'esett-aggregated-data',
    /** Discovered datasets waiting to be profiled (uploads are profiled at once, never queued behind these). */
    catalogProfileQueue: 'catalog-profile',
    /**
     * App-setting prefix of the Service Bus triggers' connection: Azure sets
     * `ServiceBusConnection__fullyQualifiedNamespace` (managed identity).
     */
    triggerConnection: 'ServiceBusConnection',
    /** Lake stream (source D, issue 15): events polled from the near-real-time feed, one message per event (id = eventId). */
    lakeStreamTopic: 'lake-stream',
    /** The lake's subscription: stores each event in the raw zone. */
    lakeStreamRawSubscription: 'lake-raw',
    /** Message type (application property `MessageType` and subject) of the completion event. */
    calculationCompletedMessageType: 'CalculationCompletedV1',
  },
  /** Durable Functions */
  durable: {
    taskHub: 'SettlementHub',
    settlementOrchestrator: 'SettlementOrchestrator',
    /** Sub-orchestration of the settlement: one group of batches (≤ 100, one grid area) over a window. */
    batchGroupOrchestrator: 'SettlementBatchGroup',
    planActivity: 'PlanSettlementBatches',
    calculateBatchActivity: 'CalculateSettlementBatch',
    commitActivity: 'CommitSettlementJob',
    publishActivity: 'PublishCalculationCompleted',
    updateJobActivity: 'UpdateSettlementJob',
    exportOrchestrator: 'BasisDataExportOrchestrator',
    exportActivity: 'RunBasisDataExport',
    /** Market data backfill (issue 14): chunks with bounded concurrency, stored ones skipped. */
    marketDataBackfillOrchestrator: 'MarketDataBackfillOrchestrator',
    marketDataStoredChunksActivity: 'ListStoredMarketDataChunks',
    marketDataChunkActivity: 'IngestMarketDataChunk',
    marketDataFinishActivity: 'FinishMarketDataBackfill',
    /** Weather backfill (issue 15): region × year chunks with bounded concurrency, one curated file per year. */
    weatherBackfillOrchestrator: 'WeatherBackfillOrchestrator',
    weatherStoredChunksActivity: 'ListStoredWeatherChunks',
    weatherChunkActivity: 'FetchWeatherChunk',
    weatherYearActivity: 'WriteWeatherYear',
    weatherFinishActivity: 'FinishWeatherBackfill',
    /** Customer analyses (issue 15): one run of a saved analysis (instance id = run id). */
    customerAnalysisOrchestrator: 'CustomerAnalysisOrchestrator',
    customerAnalysisActivity: 'RunCustomerAnalysis',
    customerAnalysisFailedActivity: 'FailCustomerAnalysisRun',
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
    /** Most time series points per settlement batch (memory bound of one activity; see plan-batches.ts). */
    batchMaxPoints: 'BATCH_MAX_POINTS',
    quarterlyTransition: 'QUARTERLY_RESOLUTION_TRANSITION_DATETIME',
    esettReceiverId: 'ESETT_RECEIVER_ID',
    /** Application Insights connection string: set, the Azure host exports traces, metrics and logs there (useAzureMonitor). */
    appInsightsConnectionString: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    /** `Authorization=AAD`: telemetry is sent with the app's identity (the component refuses keys; infra/bicep). */
    appInsightsAuthenticationString: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    /** Largest KickStartJob / cancel request body in bytes (413 beyond). */
    maxJobRequestBodyBytes: 'MAX_JOB_REQUEST_BODY_BYTES',
    /** Largest time series ingestion body in bytes (413 beyond). */
    maxIngestionBodyBytes: 'MAX_INGESTION_BODY_BYTES',
    /** A Requested job older than this many minutes without having started is failed at the next start of its spec. */
    staleRequestedJobMinutes: 'STALE_REQUESTED_JOB_MINUTES',
    /** Most rows of one JSON results page (the default and the largest `limit`). */
    resultsPageMaxRows: 'RESULTS_PAGE_MAX_ROWS',
    /** Longest aggregation / balance fixing period in local days (400 beyond; wholesale types are one month). */
    maxPeriodDaysEnergy: 'MAX_PERIOD_DAYS_ENERGY',
    /** Expected `iss` of bearer tokens, e.g. https://login.microsoftonline.com/{tenant}/v2.0 */
    authIssuer: 'AUTH_ISSUER',
    /** Expected `aud`: the app registration's Application ID URI or client id. */
    authAudience: 'AUTH_AUDIENCE',
    /** The issuer's signing keys, e.g. https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys */
    authJwksUrl: 'AUTH_JWKS_URL',
    /** Claim carrying the caller's market actor number (GLN/EIC). */
    authActorClaim: 'AUTH_ACTOR_CLAIM',
    /**
     * `true` makes the app trust the local dev token issuer (local/dev-issuer) instead of Entra
     * ID. Only the local host sets it; refused when any Azure App Service marker is present.
     */
    authDevIssuer: 'AUTH_DEV_ISSUER',
    /** Energi Data Service base URL (default the public API). */
    energiDataServiceUrl: 'ENERGIDATASERVICE_URL',
    /** SMARD base URL (default https://www.smard.de/app). */
    smardUrl: 'SMARD_URL',
    /** JSON list of what the hourly market data timer fetches: `[{"source":"smard","areas":["DE-LU"]}, …]`; `[]` = nothing. */
    marketDataTimerSources: 'MARKET_DATA_TIMER_SOURCES',
    /** 6-field NCRONTAB of the market data timer (UTC). */
    marketDataTimerCron: 'MARKET_DATA_TIMER_CRON',
    /** Most backfill chunks fetched at the same time. */
    marketDataMaxParallelChunks: 'MARKET_DATA_MAX_PARALLEL_CHUNKS',
    /** Timeout of one HTTP request to a market data source (ms). */
    marketDataHttpTimeoutMs: 'MARKET_DATA_HTTP_TIMEOUT_MS',
    /** First retry delay (ms) after a 5xx/429/network error; doubles per attempt. */
    marketDataRetryBaseMs: 'MARKET_DATA_RETRY_BASE_MS',
    /** Pause between SMARD chunk requests (ms), as SMARD clients do to be polite. */
    smardPauseMs: 'SMARD_PAUSE_MS',
    /** Storage account of the data lake (hierarchical namespace); default the data account. */
    lakeStorageAccountName: 'LAKE_STORAGE_ACCOUNT_NAME',
    /** Path of the lake's source registry (JSON, shared/lake/source-registry.ts); unset: no scheduled sources. */
    lakeSourcesFile: 'LAKE_SOURCES_FILE',
    /** Base URL of the Open-Meteo forecast API (weather per region). */
    openMeteoUrl: 'OPEN_METEO_URL',
    /** URL of the stream feed (source D, `GET ?after=cursor` → `{events, cursor}`); unset: no stream polling. */
    streamFeedUrl: 'STREAM_FEED_URL',
    /** Base URL of Open-Meteo's historical (archive) API, for the weather backfill. */
    openMeteoArchiveUrl: 'OPEN_METEO_ARCHIVE_URL',
    /** Most weather backfill chunks (region × year requests) fetched at the same time. */
    weatherBackfillMaxParallel: 'WEATHER_BACKFILL_MAX_PARALLEL',
    /** First retry delay (ms) of a weather backfill request after a 5xx/429/no answer; doubles per attempt. */
    weatherBackfillRetryBaseMs: 'WEATHER_BACKFILL_RETRY_BASE_MS',
    /** Path of the weather regions file (JSON: id, name, latitude, longitude; e.g. shared/lake/weather/regions.json); unset: no weather ingestion. */
    weatherRegionsFile: 'WEATHER_REGIONS_FILE',
    /** Most rows of one JSON page of GET /api/datasets/{name} (the default and the largest `limit`). */
    lakePageMaxRows: 'LAKE_PAGE_MAX_ROWS',
    /** Largest customer upload into its lake area, in bytes (413 beyond). */
    maxCustomerUploadBytes: 'MAX_CUSTOMER_UPLOAD_BYTES',
    /** Largest dataset upload (and discovered file) the catalog profiles, in bytes (413 beyond). */
    maxCatalogUploadBytes: 'MAX_CATALOG_UPLOAD_BYTES',
    /** Energi Data Service API base the catalog crawls (e.g. https://api.energidataservice.dk); unset: not crawled. */
    catalogEdsUrl: 'CATALOG_EDS_URL',
    /** A CKAN portal the catalog crawls; unset: not crawled. */
    catalogCkanUrl: 'CATALOG_CKAN_URL',
    /** NCRONTAB of the catalog's discovery run. */
    catalogDiscoverySchedule: 'CATALOG_DISCOVERY_SCHEDULE',
    /**
     * How long POST /api/catalog/search lets the on-query discoverers (CKAN, Energi Data Service)
     * look for more datasets, in ms; what they find is queued for the profiler. 0: no on-query discovery.
     */
    catalogQueryDiscoveryMs: 'CATALOG_QUERY_DISCOVERY_MS',
    /** Azure AI Search service URL (https://NAME.search.windows.net): the catalog index lives there; unset: the embedded index. */
    azureSearchEndpoint: 'AZURE_SEARCH_ENDPOINT',
    /** Azure AI Search admin key; unset: the app's managed identity (Search Index Data Contributor + Search Service Contributor). */
    azureSearchApiKey: 'AZURE_SEARCH_API_KEY',
    /** The catalog's index name in Azure AI Search. */
    azureSearchIndex: 'AZURE_SEARCH_INDEX',
  },
} as const;
