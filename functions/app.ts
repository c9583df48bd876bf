/** Every function of the app, registered through a host-neutral registry. */
import { NAMES } from '../shared/config/names';
import type { AppDeps } from './deps';
import { activities } from './durable/activities';
import { batchGroupOrchestrator } from './durable/batch-group-orchestrator';
import { settlementOrchestrator } from './durable/settlement-orchestrator';
import { activityHandler } from './durable/typed-activities';
import { cancelJobHandler, getJobHandler, jobBasisDataHandler, jobResultsHandler, listJobsHandler } from './http/jobs';
import { jobDiffHandler } from './http/job-diff';
import { integrationEventsHandler } from './service-bus/integration-events';
import { bundleRequestHandler, esettSenderHandler, resultSenderHandler } from './service-bus/result-senders';
import { basisDataExportStatusHandler, startBasisDataExportHandler } from './http/basis-data-exports';
import { basisDataExportOrchestrator, exportActivity } from './durable/basis-data-export';
import { kickStartJobHandler } from './http/kick-start-job';
import { ingestTimeSeriesHandler } from './http/time-series';
import { currentLakeLayout } from '../shared/ingestion/time-series-ingestion';
import { documenting, type FunctionRegistry } from './registry';
import { traced } from './traced-registry';
import { API } from '../shared/http-api/routes';
import { buildOpenApi, type DocumentedRoute } from '../shared/http-api/openapi';
import { openApiHandler } from './http/openapi';
import { consoleHandler } from './http/console';
import { CONSOLE_ROUTE } from '../shared/console/assets';
import { marketPricesHandler } from './http/market-prices';
import {
  getSeriesHandler,
  meteringPointSeriesHandler,
  putSeriesHandler,
  resultSeriesHandler,
  type SeriesHttpDeps,
} from './http/series';
import { kpiHandler } from './http/kpis';
import { lakeReadings } from '../shared/timeseries/readings-source';
import { scheduledSettlementHandler } from './timers/scheduled-settlements';
import { marketDataTimerHandler } from './timers/market-data';
import { marketDataIngestStatusHandler, startMarketDataIngestHandler } from './http/market-data-ingest';
import { marketDataActivities, marketDataBackfillOrchestrator } from './durable/market-data-backfill';
import { lakeIngestionHandler } from './timers/lake-ingestion';
import { lakeRunsHandler, startLakeRunHandler } from './http/lake';
import { lakeBackfillStatusHandler, startLakeBackfillHandler } from './http/lake-backfill';
import { weatherBackfillActivities, weatherBackfillOrchestrator } from './durable/weather-backfill';
import { datasetHandler, regionSummaryHandler } from './http/datasets';
import {
  analysisResultsHandler,
  analysisRunHandler,
  customerUploadHandler,
  putAnalysisHandler,
  startAnalysisRunHandler,
} from './http/customers';
import { customerAnalysisActivities, customerAnalysisOrchestrator } from './durable/customer-analysis';
import { weatherIngestionHandler } from './timers/weather';
import { streamCompactionHandler, streamPollHandler } from './timers/lake-stream';
import { lakeStreamRawHandler } from './service-bus/lake-stream';
import { WEATHER_SCHEDULE } from '../shared/lake/weather/weather-ingestion';
import {
  datasetSampleHandler,
  deleteDatasetHandler,
  getDatasetHandler,
  publishDatasetHandler,
  searchCatalogHandler,
  uploadDatasetHandler,
  type CatalogHttpDeps,
} from './http/catalog';
import { catalogProfilerHandler } from './service-bus/catalog-profiler';
import { profileRequestMessage } from '../shared/catalog/profile-request';
import { catalogDiscoveryHandler } from './timers/catalog-discovery';
import { healthHandler } from './http/health';

const OPENAPI_INFO = {
  title: 'Settlement platform',
  version: '1',
  description:
    'Energy-market settlement (DataHub wholesale/aggregation domain). Every operation but this document needs `Authorization: Bearer <Entra ID access token>` (in Azure also the function key, `x-functions-key` or `?code=`). Errors are problems: `{title, status, errors: [{path, message}]}`.',
};

export function registerFunctions(host: FunctionRegistry, deps: AppDeps): void {
  // every HTTP registration is recorded for the OpenAPI document (GET /api/openapi.json)
  const httpRoutes: DocumentedRoute[] = [];
  // every handler in a span (trace context from the request, message or activity input) with its log fields
  const registry = documenting(traced(host), httpRoutes);
  registry.http('OpenApi', {
    methods: ['GET'],
    route: 'openapi.json',
    handler: openApiHandler(() => buildOpenApi(httpRoutes, OPENAPI_INFO)),
    anonymous: true,
    api: API.OpenApi,
  });
  registry.http('Health', {
    methods: ['GET'],
    route: 'health',
    handler: healthHandler(deps.health),
    anonymous: true,
    api: API.Health,
  });
  // the settlement console (issue 17): static files; the page calls the API routes below with the user's token
  registry.http('Console', {
    methods: ['GET'],
    route: `${CONSOLE_ROUTE}/{*path}`,
    handler: consoleHandler(deps.consoleAssets),
    anonymous: true,
    api: API.Console,
  });
  registry.http('KickStartJob', {
    methods: ['GET', 'POST'],
    route: 'KickStartJob',
    handler: kickStartJobHandler(deps),
    maxBodyBytes: deps.settings.maxRequestBodyBytes.job,
    durableClient: true,
    api: API.KickStartJob,
  });
  registry.http('GetJob', { methods: ['GET'], route: 'jobs/{id}', handler: getJobHandler(deps), api: API.GetJob });
  registry.http('ListJobs', { methods: ['GET'], route: 'jobs', handler: listJobsHandler(deps), api: API.ListJobs });
  registry.http('CancelJob', {
    methods: ['POST'],
    route: 'jobs/{id}/cancel',
    handler: cancelJobHandler(deps),
    durableClient: true,
    api: API.CancelJob,
  });
  registry.http('JobResults', {
    methods: ['GET'],
    route: 'jobs/{id}/results',
    handler: jobResultsHandler(deps),
    api: API.JobResults,
  });
  registry.http('JobDiff', {
    methods: ['GET'],
    route: 'jobs/{a}/diff/{b}',
    handler: jobDiffHandler(deps),
    api: API.JobDiff,
  });
  registry.http('JobBasisData', {
    methods: ['GET'],
    route: 'jobs/{id}/basis-data',
    handler: jobBasisDataHandler(deps),
    api: API.JobBasisData,
  });
  registry.http('StartBasisDataExport', {
    methods: ['POST'],
    route: 'jobs/{id}/basis-data-exports',
    handler: startBasisDataExportHandler(deps),
    durableClient: true,
    api: API.StartBasisDataExport,
  });
  registry.http('BasisDataExportStatus', {
    methods: ['GET'],
    route: 'jobs/{id}/basis-data-exports/{gridArea}',
    handler: basisDataExportStatusHandler(deps),
    api: API.BasisDataExportStatus,
  });
  registry.http('IngestTimeSeries', {
    methods: ['POST'],
    route: 'time-series',
    handler: ingestTimeSeriesHandler({
      basisData: deps.basisData,
      clock: deps.clock,
      lakeLayout: (now) => currentLakeLayout(deps.settlement, now),
      authenticator: deps.authenticator,
      maxBodyBytes: deps.settings.maxRequestBodyBytes.ingestion,
    }),
    maxBodyBytes: deps.settings.maxRequestBodyBytes.ingestion,
    api: API.IngestTimeSeries,
  });

  registry.http('StartMarketDataIngest', {
    methods: ['POST'],
    route: 'market-data/ingest',
    handler: startMarketDataIngestHandler(deps),
    durableClient: true,
    api: API.StartMarketDataIngest,
  });
  registry.http('MarketDataIngestStatus', {
    methods: ['GET'],
    route: 'market-data/ingest/{id}',
    handler: marketDataIngestStatusHandler(deps),
    api: API.MarketDataIngestStatus,
  });

  registerSeriesFunctions(registry, deps);
  registry.http('LakeRuns', {
    methods: ['GET'],
    route: 'lake/runs',
    handler: lakeRunsHandler(deps),
    api: API.LakeRuns,
  });
  registry.http('StartLakeRun', {
    methods: ['POST'],
    route: 'lake/runs',
    handler: startLakeRunHandler(deps),
    api: API.StartLakeRun,
  });
  registry.http('StartLakeBackfill', {
    methods: ['POST'],
    route: 'lake/backfills',
    handler: startLakeBackfillHandler(deps),
    durableClient: true,
    api: API.StartLakeBackfill,
  });
  registry.http('LakeBackfillStatus', {
    methods: ['GET'],
    route: 'lake/backfills/{id}',
    handler: lakeBackfillStatusHandler(deps),
    api: API.LakeBackfillStatus,
  });
  registry.http('Dataset', {
    methods: ['GET'],
    route: 'datasets/{name}',
    handler: datasetHandler(deps),
    api: API.Dataset,
  });
  registry.http('RegionSummary', {
    methods: ['GET'],
    route: 'regions/{id}/summary',
    handler: regionSummaryHandler(deps),
    api: API.RegionSummary,
  });
  registry.http('CustomerUpload', {
    methods: ['POST'],
    route: 'customers/{customerId}/uploads',
    handler: customerUploadHandler(deps),
    maxBodyBytes: deps.settings.lake.maxCustomerUploadBytes,
    api: API.CustomerUpload,
  });
  registry.http('CustomerAnalysis', {
    methods: ['PUT'],
    route: 'customers/{customerId}/analyses/{name}',
    handler: putAnalysisHandler(deps),
    api: API.CustomerAnalysis,
  });
  registry.http('StartCustomerAnalysisRun', {
    methods: ['POST'],
    route: 'customers/{customerId}/analyses/{name}/runs',
    handler: startAnalysisRunHandler(deps),
    durableClient: true,
    api: API.StartCustomerAnalysisRun,
  });
  registry.http('CustomerAnalysisRun', {
    methods: ['GET'],
    route: 'customers/{customerId}/analyses/{name}/runs/{runId}',
    handler: analysisRunHandler(deps),
    api: API.CustomerAnalysisRun,
  });
  registry.http('CustomerAnalysisResults', {
    methods: ['GET'],
    route: 'customers/{customerId}/analyses/{name}/results',
    handler: analysisResultsHandler(deps),
    api: API.CustomerAnalysisResults,
  });
  for (const source of deps.lake.sources) {
    registry.timer(`LakeIngestion-${source.name}`, {
      schedule: source.schedule.cron,
      handler: lakeIngestionHandler(deps, source),
    });
  }
  if (deps.lake.weatherRegions.length > 0)
    registry.timer('WeatherIngestion', { schedule: WEATHER_SCHEDULE, handler: weatherIngestionHandler(deps) });

  const SB = NAMES.serviceBus;
  const feed = deps.lake.streamFeedUrl;
  if (feed) {
    registry.timer('LakeStreamPoll', { schedule: '0 * * * * *', handler: streamPollHandler(deps, feed) });
    registry.serviceBus('LakeStreamRaw', {
      source: { topic: SB.lakeStreamTopic, subscription: SB.lakeStreamRawSubscription },
      handler: lakeStreamRawHandler(deps),
    });
    registry.timer('LakeStreamCompaction', { schedule: '0 10 * * * *', handler: streamCompactionHandler(deps) });
  }
  // the dataset catalog (issue 16)
  const catalog: CatalogHttpDeps = {
    catalog: deps.catalog,
    authenticator: deps.authenticator,
    maxQueryBytes: deps.settings.maxRequestBodyBytes.job,
    queryDiscovery: {
      discoverers: deps.discoverers,
      enqueue: (meta) => deps.bus().send({ queue: SB.catalogProfileQueue }, profileRequestMessage(meta)),
      deadlineMs: deps.settings.catalog.queryDiscoveryMs,
    },
  };
  registry.http('CatalogSearch', {
    methods: ['POST'],
    route: 'catalog/search',
    handler: searchCatalogHandler(catalog),
    api: API.CatalogSearch,
  });
  registry.http('CatalogDataset', {
    methods: ['GET'],
    route: 'catalog/datasets/{id}',
    handler: getDatasetHandler(catalog),
    api: API.CatalogDataset,
  });
  registry.http('CatalogDatasetDelete', {
    methods: ['DELETE'],
    route: 'catalog/datasets/{id}',
    handler: deleteDatasetHandler(catalog),
    api: API.CatalogDatasetDelete,
  });
  registry.http('CatalogDatasetSample', {
    methods: ['GET'],
    route: 'catalog/datasets/{id}/sample',
    handler: datasetSampleHandler(catalog),
    api: API.CatalogDatasetSample,
  });
  registry.http('CatalogUpload', {
    methods: ['POST'],
    route: 'catalog/uploads',
    handler: uploadDatasetHandler(catalog),
    maxBodyBytes: deps.settings.catalog.maxUploadBytes,
    api: API.CatalogUpload,
  });
  registry.http('CatalogPublish', {
    methods: ['POST'],
    route: 'catalog/datasets/{id}/publish',
    handler: publishDatasetHandler(catalog),
    api: API.CatalogPublish,
  });

  registry.serviceBus('CatalogProfiler', {
    source: { queue: SB.catalogProfileQueue },
    handler: catalogProfilerHandler(deps),
  });
  registry.timer('CatalogDiscovery', {
    schedule: deps.settings.catalog.discoverySchedule,
    handler: catalogDiscoveryHandler({
      discoverers: deps.discoverers,
      index: deps.catalog.index,
      bus: deps.bus,
      clock: deps.clock,
    }),
  });
  registry.serviceBus('IntegrationEventsSubscriber', {
    source: { topic: SB.integrationEventsTopic, subscription: SB.basisDataSubscription },
    poisonQueue: SB.integrationEventsPoisonQueue,
    handler: integrationEventsHandler(deps),
  });
  registry.serviceBus('ResultSender', {
    source: { topic: SB.domainEventsTopic, subscription: SB.resultSenderSubscription },
    handler: resultSenderHandler(deps),
  });
  registry.serviceBus('EsettSender', {
    source: { topic: SB.domainEventsTopic, subscription: SB.esettSenderSubscription },
    handler: esettSenderHandler(deps),
  });
  registry.serviceBus('MessageHubBundleRequests', {
    source: { queue: SB.bundleRequestQueue },
    handler: bundleRequestHandler(deps),
  });

  for (const entry of deps.settings.schedule) {
    registry.timer(`ScheduledSettlement-${entry.name}`, {
      schedule: entry.cron,
      handler: scheduledSettlementHandler(deps, entry),
    });
  }

  if (deps.settings.marketData.timerSources.length > 0)
    registry.timer('MarketDataIngestion', {
      schedule: deps.settings.marketData.timerCron,
      handler: marketDataTimerHandler(deps),
    });

  const D = NAMES.durable;
  registry.orchestration(D.settlementOrchestrator, settlementOrchestrator);
  registry.orchestration(D.batchGroupOrchestrator, batchGroupOrchestrator);
  const a = activities(deps);
  registry.activity(D.planActivity, activityHandler(a[D.planActivity]));
  registry.activity(D.calculateBatchActivity, activityHandler(a[D.calculateBatchActivity]));
  registry.activity(D.commitActivity, activityHandler(a[D.commitActivity]));
  registry.activity(D.publishActivity, activityHandler(a[D.publishActivity]));
  registry.activity(D.updateJobActivity, activityHandler(a[D.updateJobActivity]));
  registry.orchestration(D.exportOrchestrator, basisDataExportOrchestrator);
  registry.activity(D.exportActivity, activityHandler(exportActivity(deps)));
  registry.orchestration(D.marketDataBackfillOrchestrator, marketDataBackfillOrchestrator);
  const md = marketDataActivities(deps.marketDataIngest);
  registry.activity(D.marketDataStoredChunksActivity, activityHandler(md.stored));
  registry.activity(D.marketDataChunkActivity, activityHandler(md.chunk));
  registry.activity(D.marketDataFinishActivity, activityHandler(md.finish));
  registry.orchestration(D.weatherBackfillOrchestrator, weatherBackfillOrchestrator);
  const wb = weatherBackfillActivities(deps.lake.weatherBackfill);
  registry.activity(D.weatherStoredChunksActivity, activityHandler(wb.stored));
  registry.activity(D.weatherChunkActivity, activityHandler(wb.chunk));
  registry.activity(D.weatherYearActivity, activityHandler(wb.year));
  registry.activity(D.weatherFinishActivity, activityHandler(wb.finish));
  registry.orchestration(D.customerAnalysisOrchestrator, customerAnalysisOrchestrator);
  const ca = customerAnalysisActivities(deps.lake);
  registry.activity(D.customerAnalysisActivity, activityHandler(ca.run));
  registry.activity(D.customerAnalysisFailedActivity, activityHandler(ca.fail));
}

/** Issue 14: market prices, generic series (and readings/results read through them), KPIs. */
function registerSeriesFunctions(registry: FunctionRegistry, deps: AppDeps): void {
  const series: SeriesHttpDeps = {
    authenticator: deps.authenticator,
    clock: deps.clock,
    newId: deps.newId,
    audit: deps.audit,
    basisData: deps.basisData,
    results: deps.settlement.results,
    jobs: deps.jobs,
    gridAreaOwnership: deps.gridAreaOwnership,
    readings: lakeReadings(deps.settlement),
    maxBodyBytes: deps.settings.maxRequestBodyBytes.ingestion,
  };
  registry.http('MarketPrices', {
    methods: ['GET'],
    route: 'market-data/prices',
    handler: marketPricesHandler({ authenticator: deps.authenticator, marketData: deps.marketData }),
    api: API.MarketPrices,
  });
  // the read-through routes first: the local host matches in registration order (Azure prefers literal segments)
  registry.http('MeteringPointSeries', {
    methods: ['GET'],
    route: 'series/meteringpoint/{id}',
    handler: meteringPointSeriesHandler(series),
    api: API.MeteringPointSeries,
  });
  registry.http('ResultSeries', {
    methods: ['GET'],
    route: 'series/results/{jobId}/{type}/{gridArea}',
    handler: resultSeriesHandler(series),
    api: API.ResultSeries,
  });
  registry.http('SupplierResultSeries', {
    methods: ['GET'],
    route: 'series/results/{jobId}/{type}/{gridArea}/{supplier}',
    handler: resultSeriesHandler(series),
    api: API.SupplierResultSeries,
  });
  registry.http('GetSeries', {
    methods: ['GET'],
    route: 'series/{name}',
    handler: getSeriesHandler(series),
    api: API.GetSeries,
  });
  registry.http('PutSeries', {
    methods: ['PUT'],
    route: 'series/{name}',
    handler: putSeriesHandler(series),
    maxBodyBytes: deps.settings.maxRequestBodyBytes.ingestion,
    api: API.PutSeries,
  });
  registry.http('Kpis', {
    methods: ['GET'],
    route: 'kpis/{report}',
    handler: kpiHandler({ ...series, marketData: deps.marketData }),
    api: API.Kpis,
  });
}
