/**
 * The local host: runs the app's functions (functions/app.ts) with no Azure account —
 * Azurite for Blob/Table/Queue, an HTTP server on /api/..., timers, the in-process Service Bus
 * stand-in and the local Durable runtime (history in Azurite, so a restarted host resumes
 * in-flight jobs). Function code cannot tell it from Azure: it receives the same
 * HttpRequest/InvocationContext objects and talks to ports.
 */
import { join } from 'node:path';
import type { ActivityHandler } from 'durable-functions';
import { registerFunctions } from '../functions/app';
import { buildDeps } from '../functions/composition';
import type { AppDeps } from '../functions/deps';
import { NAMES } from '../shared/config/names';
import { loadSettings } from '../shared/config/settings';
import { TableJobStore } from '../shared/jobs/table-job-store';
import { TableIntegrationEventStore } from '../shared/integration-events/store/table-event-store';
import { declareSettlementEntities, InProcessBus } from '../shared/messaging/in-process-bus';
import { publisherOn } from '../shared/settlement/completion-event';
import { AzureBlobStore } from '../shared/storage/azure-blob-store';
import { startAzurite, type AzuriteInstance } from './azurite';
import { LocalDurableRuntime, TableHistoryStore } from './durable/runtime';
import { startHttpServer } from './http-server';
import { LocalRegistry } from './registry';
import { devAuthenticator } from './dev-issuer';
import { tokenValidator, type Authenticator } from '../shared/auth/token-validator';
import { TableAuditLog } from '../shared/audit/table-audit-log';
import { inProcessTelemetry, type InProcessTelemetry } from '../shared/telemetry/in-process-sdk';
import { addLogSink, readableLogLine } from '../shared/telemetry/log';
import { ensureConsoleBuild } from '../tools/build-console';

/** host.json `extensions.serviceBus.maxAutoLockRenewalDuration` (30 min). */
export const TRIGGER_LOCK_RENEWAL_MS = 30 * 60_000;
import { registerLocalRoutes } from './publish-route';

export interface LocalHostOptions {
  /** HTTP port; default 7071 like Functions Core Tools; 0 = any free port. */
  port?: number;
  /** Folder for Azurite's data (persisted across restarts); null = in memory. Default '.local'. */
  dataDir?: string | null;
  /** Use an already running storage (e.g. a shared Azurite) instead of starting one. */
  storageConnectionString?: string;
  /**
   * App settings on top of the environment. The local host trusts the checkout's dev token
   * issuer (AUTH_DEV_ISSUER=true, see local/dev-issuer.ts) unless these set it to 'false' and
   * configure AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL. Authentication is never off.
   */
  env?: Record<string, string | undefined>;
  timers?: boolean;
  /**
   * Run the Service Bus triggers (result senders, eSett, integration events); default true. A
   * benchmark of the settlement itself turns them off so it measures only the job.
   */
  serviceBusTriggers?: boolean;
  log?: (line: string) => void;
  clock?: () => Date;
  /**
   * Wraps an activity's handler before it is registered (benchmarks run batches in their own
   * processes this way); the function code itself is unchanged.
   */
  wrapActivity?: (name: string, handler: ActivityHandler) => ActivityHandler;
}

export interface LocalHost {
  url: string;
  storageConnectionString: string;
  /** The Azurite this host started (null with `storageConnectionString`): endpoints and pid. */
  azurite: Pick<AzuriteInstance, 'pid' | 'blobEndpoint' | 'queueEndpoint' | 'tableEndpoint'> | null;
  deps: AppDeps;
  bus: InProcessBus;
  runtime: LocalDurableRuntime;
  basisData: AzureBlobStore;
  results: AzureBlobStore;
  messages: AzureBlobStore;
  /** The audit log of reads (Table `AuditLog` in this host's storage). */
  audit: TableAuditLog;
  /** The process's in-memory telemetry: finished spans and metric points (no exporter endpoint). */
  telemetry: InProcessTelemetry;
  stop(): Promise<void>;
}

export async function startLocalHost(opts: LocalHostOptions = {}): Promise<LocalHost> {
  const log = opts.log ?? ((s: string) => console.log(s));
  // the OpenTelemetry SDK of this process (once per process; hosts in one process share it)
  const telemetry = inProcessTelemetry();
  const dataDir = opts.dataDir === undefined ? '.local' : opts.dataDir;
  const env = { ...process.env, [NAMES.settings.authDevIssuer]: 'true', ...opts.env };
  // validated before Azurite starts, so a refused setting leaves no process behind
  loadSettings({ ...env, [NAMES.settings.storageConnectionString]: 'UseDevelopmentStorage=true' });
  let azurite: AzuriteInstance | null = null;
  // whatever started before a failure is stopped again, so a failed start (port in use, a
  // refused setting, storage errors) leaves no Azurite, timers or triggers behind
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    return await start();
  } catch (e) {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    throw e;
  }

  async function start(): Promise<LocalHost> {
    let cs = opts.storageConnectionString;
    if (!cs) {
      const started = await startAzurite(dataDir ? { location: join(dataDir, 'azurite') } : {});
      azurite = started;
      cleanups.push(() => started.stop());
      cs = started.connectionString;
    }
    const settings = loadSettings({ ...env, [NAMES.settings.storageConnectionString]: cs });
    const authenticator: Authenticator =
      settings.auth.kind === 'devIssuer'
        ? devAuthenticator(settings.auth.actorClaim)
        : tokenValidator({
            issuer: settings.auth.issuer,
            audience: settings.auth.audience,
            actorClaim: settings.auth.actorClaim,
            keys: { kind: 'remote', jwksUrl: settings.auth.jwksUrl },
          });
    const audit = TableAuditLog.fromConnectionString(cs);
    await audit.ensureTable();
    const basisData = AzureBlobStore.fromConnectionString(cs, NAMES.containers.basisData);
    const results = AzureBlobStore.fromConnectionString(cs, NAMES.containers.results);
    const messages = AzureBlobStore.fromConnectionString(cs, NAMES.containers.messages);
    const exports = AzureBlobStore.fromConnectionString(cs, NAMES.containers.exports);
    const marketData = AzureBlobStore.fromConnectionString(cs, NAMES.containers.marketData);
    const lake = AzureBlobStore.fromConnectionString(cs, NAMES.containers.lake);
    const catalog = AzureBlobStore.fromConnectionString(cs, NAMES.containers.catalog);
    for (const c of [basisData, results, messages, exports, marketData, lake, catalog]) await c.ensureContainer();
    const jobs = TableJobStore.fromConnectionString(cs);
    await jobs.ensureTables();
    const integrationEvents = TableIntegrationEventStore.fromConnectionString(cs);
    await integrationEvents.ensureTable();
    const bus = new InProcessBus();
    // The Functions host renews a trigger's message lock while the function runs, up to
    // maxAutoLockRenewalDuration (host.json); the stand-in cannot renew, so its locks last that long.
    // With the 60 s lock alone, a result sender working through a large job lost its lock, and the
    // redelivered event started a second sender next to the first (issue 12).
    declareSettlementEntities(bus, { lockDurationMs: TRIGGER_LOCK_RENEWAL_MS });
    const runtime = new LocalDurableRuntime({
      store: await TableHistoryStore.fromConnectionString(cs),
      maxConcurrentActivities: settings.maxParallelBatches,
      log,
    });
    cleanups.push(
      () => runtime.stop(),
      () => bus.close(),
    );
    const deps = buildDeps({
      settings,
      basisData,
      results,
      jobs,
      integrationEvents,
      messages,
      exports,
      marketData,
      lake,
      catalog,
      bus: () => bus,
      publishCompleted: publisherOn(bus),
      orchestrationClient: () => ({
        start: async (name, instanceId, input) => {
          await runtime.startNew(name, { instanceId, input });
        },
        terminate: (instanceId, reason) => runtime.terminate(instanceId, reason),
      }),
      clock: opts.clock,
      lakeCacheDir: dataDir ? join(dataDir, 'lake-cache') : undefined,
      authenticator,
      audit,
      tableProbe: () => integrationEvents.probe(),
      // built from web/console when a request finds the sources changed (cached by their hash), so
      // `npm start` and the tests serve the console from a clean clone without a build step, and an
      // edit shows at the next reload
      consoleAssets: () => Promise.resolve().then(() => ensureConsoleBuild()),
    });
    // structured log lines (shared/telemetry/log.ts) printed readably, like the host's own lines
    const removeLogSink = addLogSink((record) => log(readableLogLine(record)));
    cleanups.push(removeLogSink);
    const registry = new LocalRegistry();
    registerFunctions(registry, deps);
    registerLocalRoutes(registry, deps, bus);
    for (const [name, handler] of registry.orchestrations) runtime.registerOrchestrator(name, handler);
    for (const [name, handler] of registry.activities)
      runtime.registerActivity(name, opts.wrapActivity ? opts.wrapActivity(name, handler) : handler);
    await runtime.resumeAll();
    const { server, url } = await startHttpServer(registry, opts.port ?? 7071, log);
    const stopTimers = opts.timers === false ? () => {} : registry.startTimers(log, opts.clock);
    const stopTriggers =
      opts.serviceBusTriggers === false ? () => Promise.resolve() : registry.startServiceBusTriggers(bus, log);
    log(
      `local host on ${url}/api (${registry.routes.map((r) => `${r.methods.join('|')} /api/${r.route}`).join(', ')})`,
    );
    return {
      url,
      storageConnectionString: cs,
      azurite: azurite
        ? {
            pid: azurite.pid,
            blobEndpoint: azurite.blobEndpoint,
            queueEndpoint: azurite.queueEndpoint,
            tableEndpoint: azurite.tableEndpoint,
          }
        : null,
      deps,
      bus,
      runtime,
      basisData,
      results,
      messages,
      audit,
      telemetry,
      async stop() {
        removeLogSink();
        stopTimers();
        await stopTriggers();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive sockets would hold the port and the process
        });
        await runtime.stop();
        await bus.close();
        if (azurite) await azurite.stop();
      },
    };
  }
}
