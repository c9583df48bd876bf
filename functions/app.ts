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
import { scheduledSettlementHandler } from './timers/scheduled-settlements';
import { lakeIngestionHandler } from './timers/lake-ingestion';
import { lakeRunsHandler, startLakeRunHandler } from './http/lake';
import { weatherIngestionHandler } from './timers/weather';
import { streamCompactionHandler, streamPollHandler } from './timers/lake-stream';
import { lakeStreamRawHandler } from './service-bus/lake-stream';
import { WEATHER_SCHEDULE } from '../shared/lake/weather/weather-ingestion';

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

  registry.http('LakeRuns', { methods: ['GET'], route: 'lake/runs', handler: lakeRunsHandler(deps) });
  registry.http('StartLakeRun', { methods: ['POST'], route: 'lake/runs', handler: startLakeRunHandler(deps) });
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
