/** Every function of the app, registered through a host-neutral registry. */
import { NAMES } from '../shared/config/names';
import type { AppDeps } from './deps';
import { activities } from './durable/activities';
import { batchGroupOrchestrator } from './durable/batch-group-orchestrator';
import { settlementOrchestrator } from './durable/settlement-orchestrator';
import { activityHandler } from './durable/typed-activities';
import { cancelJobHandler, getJobHandler, jobBasisDataHandler, jobResultsHandler, listJobsHandler } from './http/jobs';
import { integrationEventsHandler } from './service-bus/integration-events';
import { bundleRequestHandler, esettSenderHandler, resultSenderHandler } from './service-bus/result-senders';
import { basisDataExportStatusHandler, startBasisDataExportHandler } from './http/basis-data-exports';
import { basisDataExportOrchestrator, exportActivity } from './durable/basis-data-export';
import { kickStartJobHandler } from './http/kick-start-job';
import { ingestTimeSeriesHandler } from './http/time-series';
import { currentLakeLayout } from '../shared/ingestion/time-series-ingestion';
import { documenting, type FunctionRegistry } from './registry';
import { API } from '../shared/http-api/routes';
import { buildOpenApi, type DocumentedRoute } from '../shared/http-api/openapi';
import { openApiHandler } from './http/openapi';
import { scheduledSettlementHandler } from './timers/scheduled-settlements';
import {
  datasetSampleHandler,
  getDatasetHandler,
  publishDatasetHandler,
  searchCatalogHandler,
  uploadDatasetHandler,
  type CatalogHttpDeps,
} from './http/catalog';
import { catalogProfilerHandler } from './service-bus/catalog-profiler';
import { catalogDiscoveryHandler } from './timers/catalog-discovery';

const OPENAPI_INFO = {
  title: 'Settlement platform',
  version: '1',
  description:
    'Energy-market settlement (DataHub wholesale/aggregation domain). Every operation but this document needs `Authorization: Bearer <Entra ID access token>` (in Azure also the function key, `x-functions-key` or `?code=`). Errors are problems: `{title, status, errors: [{path, message}]}`.',
};

export function registerFunctions(host: FunctionRegistry, deps: AppDeps): void {
  // every HTTP registration is recorded for the OpenAPI document (GET /api/openapi.json)
  const httpRoutes: DocumentedRoute[] = [];
  const registry = documenting(host, httpRoutes);
  registry.http('OpenApi', {
    methods: ['GET'],
    route: 'openapi.json',
    handler: openApiHandler(() => buildOpenApi(httpRoutes, OPENAPI_INFO)),
    anonymous: true,
    api: API.OpenApi,
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

  // the dataset catalog (issue 16)
  const catalog: CatalogHttpDeps = {
    catalog: deps.catalog,
    authenticator: deps.authenticator,
    maxQueryBytes: deps.settings.maxRequestBodyBytes.job,
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

  const SB = NAMES.serviceBus;
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
}
