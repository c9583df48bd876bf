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
import type { FunctionRegistry } from './registry';
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

export function registerFunctions(registry: FunctionRegistry, deps: AppDeps): void {
  registry.http('KickStartJob', {
    methods: ['GET', 'POST'],
    route: 'KickStartJob',
    handler: kickStartJobHandler(deps),
    maxBodyBytes: deps.settings.maxRequestBodyBytes.job,
    durableClient: true,
  });
  registry.http('GetJob', { methods: ['GET'], route: 'jobs/{id}', handler: getJobHandler(deps) });
  registry.http('ListJobs', { methods: ['GET'], route: 'jobs', handler: listJobsHandler(deps) });
  registry.http('CancelJob', {
    methods: ['POST'],
    route: 'jobs/{id}/cancel',
    handler: cancelJobHandler(deps),
    durableClient: true,
  });
  registry.http('JobResults', { methods: ['GET'], route: 'jobs/{id}/results', handler: jobResultsHandler(deps) });
  registry.http('JobBasisData', {
    methods: ['GET'],
    route: 'jobs/{id}/basis-data',
    handler: jobBasisDataHandler(deps),
  });
  registry.http('StartBasisDataExport', {
    methods: ['POST'],
    route: 'jobs/{id}/basis-data-exports',
    handler: startBasisDataExportHandler(deps),
    durableClient: true,
  });
  registry.http('BasisDataExportStatus', {
    methods: ['GET'],
    route: 'jobs/{id}/basis-data-exports/{gridArea}',
    handler: basisDataExportStatusHandler(deps),
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
  });

  registerSeriesFunctions(registry, deps);

  const SB = NAMES.serviceBus;
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
  });
  // the read-through routes first: the local host matches in registration order (Azure prefers literal segments)
  registry.http('MeteringPointSeries', {
    methods: ['GET'],
    route: 'series/meteringpoint/{id}',
    handler: meteringPointSeriesHandler(series),
  });
  registry.http('ResultSeries', {
    methods: ['GET'],
    route: 'series/results/{jobId}/{type}/{gridArea}',
    handler: resultSeriesHandler(series),
  });
  registry.http('SupplierResultSeries', {
    methods: ['GET'],
    route: 'series/results/{jobId}/{type}/{gridArea}/{supplier}',
    handler: resultSeriesHandler(series),
  });
  registry.http('GetSeries', { methods: ['GET'], route: 'series/{name}', handler: getSeriesHandler(series) });
  registry.http('PutSeries', {
    methods: ['PUT'],
    route: 'series/{name}',
    handler: putSeriesHandler(series),
    maxBodyBytes: deps.settings.maxRequestBodyBytes.ingestion,
  });
  registry.http('Kpis', {
    methods: ['GET'],
    route: 'kpis/{report}',
    handler: kpiHandler({ ...series, marketData: deps.marketData }),
  });
}
