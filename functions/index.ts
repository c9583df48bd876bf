/**
 * Azure entry point (package.json "main" → dist/functions/index.js): the composition root for
 * the real Functions host. Settings are validated first; Azure services are reached with the
 * Function App's managed identity (DefaultAzureCredential) unless a connection string is set.
 */
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { DefaultAzureCredential } from '@azure/identity';
import {
  AzureSearchCatalogIndex,
  azureSearchBackend,
  azureSearchKeyCredential,
} from '../shared/catalog/index/azure-search-index';
import { NAMES } from '../shared/config/names';
import { loadSettings, type Settings } from '../shared/config/settings';
import type { JobStore } from '../shared/jobs/job-store';
import { SqlJobStore } from '../shared/jobs/sql-job-store';
import { TableJobStore } from '../shared/jobs/table-job-store';
import type { MessageBus } from '../shared/messaging/bus';
import { ServiceBusNotConfiguredError } from '../shared/messaging/errors';
import { ServiceBusBus } from '../shared/messaging/service-bus-bus';
import { publisherOn } from '../shared/settlement/completion-event';
import { AzureBlobStore } from '../shared/storage/azure-blob-store';
import { registerFunctions } from './app';
import { buildDeps } from './composition';
import { NoPoisonQueueError, runTriggered, type DeadLetterForwarder } from './service-bus-trigger';
import { TableIntegrationEventStore } from '../shared/integration-events/store/table-event-store';
import type { FunctionRegistry } from './registry';
import { startAzureTelemetry } from './telemetry';
import { tokenValidator } from '../shared/auth/token-validator';
import { DevIssuerRefusedError } from '../shared/auth/errors';
import { TableAuditLog } from '../shared/audit/table-audit-log';

/** Maps the host-neutral registry onto the v4 programming model. */
export const azureRegistry = (getBus: () => MessageBus): FunctionRegistry => ({
  http(name, o) {
    app.http(name, {
      methods: o.methods,
      route: o.route,
      authLevel: o.anonymous ? 'anonymous' : 'function',
      handler: o.handler,
      ...(o.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
    });
  },
  timer(name, o) {
    app.timer(name, { schedule: o.schedule, handler: o.handler });
  },
  serviceBus(name, o) {
    const forward: DeadLetterForwarder = async (message, reason, description) => {
      if (!o.poisonQueue) throw new NoPoisonQueueError(name, message.messageId, reason);
      const applicationProperties = {
        ...message.applicationProperties,
        DeadLetterReason: reason,
        DeadLetterErrorDescription: description ?? '',
      };
      await getBus().send({ queue: o.poisonQueue }, { ...message, applicationProperties });
    };
    const handler = (body: unknown, context: InvocationContext) => runTriggered(o.handler, body, context, forward);
    // cardinality one: one message per invocation, settled by the invocation's outcome
    const common = {
      connection: NAMES.serviceBus.triggerConnection,
      cardinality: 'one' as const,
      dataType: 'binary',
      handler,
    };
    if ('queue' in o.source) app.serviceBusQueue(name, { queueName: o.source.queue, ...common });
    else app.serviceBusTopic(name, { topicName: o.source.topic, subscriptionName: o.source.subscription, ...common });
  },
  orchestration(name, handler) {
    df.app.orchestration(name, handler);
  },
  activity(name, handler) {
    df.app.activity(name, { handler });
  },
});

function storeFor(settings: Settings, container: string, credential: DefaultAzureCredential): AzureBlobStore {
  return settings.storage.kind === 'connectionString'
    ? AzureBlobStore.fromConnectionString(settings.storage.connectionString, container)
    : AzureBlobStore.fromAccount(settings.storage.accountName, credential, container);
}

/** The lake container: in Azure in its own hierarchical-namespace account (LAKE_STORAGE_ACCOUNT_NAME). */
function lakeStoreFor(settings: Settings, credential: DefaultAzureCredential): AzureBlobStore {
  return settings.lake.accountName && settings.storage.kind === 'identity'
    ? AzureBlobStore.fromAccount(settings.lake.accountName, credential, NAMES.containers.lake)
    : storeFor(settings, NAMES.containers.lake, credential);
}

/**
 * Lazily connected SQL store: the pool is opened (and pending schema migrations applied) on
 * first use, not at module load.
 */
function lazySqlStore(connectionString: string): JobStore {
  let store: Promise<JobStore> | null = null;
  const get = () =>
    (store ??= SqlJobStore.connect(connectionString).then(async (s) => {
      await s.ensureSchema();
      return s;
    }));
  return {
    createOrGetActive: async (...a) => (await get()).createOrGetActive(...a),
    get: async (...a) => (await get()).get(...a),
    list: async (...a) => (await get()).list(...a),
    transition: async (...a) => (await get()).transition(...a),
    setProgress: async (...a) => (await get()).setProgress(...a),
  };
}

export function composeAzure(settings: Settings = loadSettings()): void {
  // the Azure host never trusts the local dev issuer, whatever the settings say
  if (settings.auth.kind !== 'entra') throw new DevIssuerRefusedError('the Azure Functions host (functions/index.ts)');
  const authenticator = tokenValidator({
    issuer: settings.auth.issuer,
    audience: settings.auth.audience,
    actorClaim: settings.auth.actorClaim,
    keys: { kind: 'remote', jwksUrl: settings.auth.jwksUrl },
  });
  const credential = new DefaultAzureCredential();
  const jobs: JobStore =
    settings.jobStore.kind === 'sql'
      ? lazySqlStore(settings.jobStore.connectionString)
      : settings.storage.kind === 'connectionString'
        ? TableJobStore.fromConnectionString(settings.storage.connectionString)
        : TableJobStore.fromAccount(settings.storage.accountName, credential);
  let bus: MessageBus | null = null;
  const getBus = (): MessageBus => {
    if (bus) return bus;
    if (!settings.serviceBus)
      throw new ServiceBusNotConfiguredError(
        [NAMES.settings.serviceBusNamespace],
        `no Service Bus configured: set ${NAMES.settings.serviceBusNamespace}`,
      );
    bus =
      settings.serviceBus.kind === 'connectionString'
        ? ServiceBusBus.fromConnectionString(settings.serviceBus.connectionString)
        : ServiceBusBus.fromNamespace(settings.serviceBus.namespace, credential);
    return bus;
  };
  const integrationEvents =
    settings.storage.kind === 'connectionString'
      ? TableIntegrationEventStore.fromConnectionString(settings.storage.connectionString)
      : TableIntegrationEventStore.fromAccount(settings.storage.accountName, credential);
  const deps = buildDeps({
    settings,
    basisData: storeFor(settings, NAMES.containers.basisData, credential),
    messages: storeFor(settings, NAMES.containers.messages, credential),
    exports: storeFor(settings, NAMES.containers.exports, credential),
    marketData: storeFor(settings, NAMES.containers.marketData, credential),
    lake: lakeStoreFor(settings, credential),
    catalog: storeFor(settings, NAMES.containers.catalog, credential),
    // AZURE_SEARCH_ENDPOINT set (main.bicep sets it): the catalog index is Azure AI Search, with
    // the app's identity unless a key is given; unset: the embedded index in the catalog container
    ...(settings.catalog.azureSearch
      ? {
          catalogIndex: new AzureSearchCatalogIndex(
            azureSearchBackend({
              endpoint: settings.catalog.azureSearch.endpoint,
              indexName: settings.catalog.azureSearch.indexName,
              credential: settings.catalog.azureSearch.apiKey
                ? azureSearchKeyCredential(settings.catalog.azureSearch.apiKey)
                : credential,
            }),
          ),
        }
      : {}),
    bus: getBus,
    results: storeFor(settings, NAMES.containers.results, credential),
    jobs,
    integrationEvents,
    tableProbe: () => integrationEvents.probe(),
    publishCompleted: (job, manifest) => publisherOn(getBus())(job, manifest),
    authenticator,
    audit:
      settings.storage.kind === 'connectionString'
        ? TableAuditLog.fromConnectionString(settings.storage.connectionString)
        : TableAuditLog.fromAccount(settings.storage.accountName, credential),
    orchestrationClient: (context) => {
      const client = df.getClient(context);
      return {
        start: async (name, instanceId, input) => {
          await client.startNew(name, { instanceId, input });
        },
        terminate: (instanceId, reason) => client.terminate(instanceId, reason),
      };
    },
  });
  registerFunctions(azureRegistry(getBus), deps);
}

/**
 * Whether the Azure Functions Node worker loaded this module: only the worker provides the module
 * `@azure/functions-core` (it intercepts `require`), through which @azure/functions registers.
 * Checked besides FUNCTIONS_WORKER_RUNTIME because Flex Consumption takes the runtime from
 * functionAppConfig and refuses that app setting (infra/bicep/README.md), so the variable is not
 * something the app can rely on being present.
 */
function loadedByFunctionsWorker(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime probe: the module exists only inside the worker
    require('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}

// The Functions host loads this module; tests import the pieces above without side effects.
if (process.env.FUNCTIONS_WORKER_RUNTIME || loadedByFunctionsWorker()) {
  // results stream as CSV/NDJSON/Parquet (functions/http/jobs.ts): without this the worker would
  // buffer a whole response body before sending it
  app.setup({ enableHttpStream: true });
  const settings = loadSettings();
  // before the composition creates any client, so the Azure SDK instrumentation sees them
  startAzureTelemetry(settings);
  composeAzure(settings);
}
