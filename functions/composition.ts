/**
 * Builds the handlers' dependencies from infrastructure adapters. Both hosts call this; they
 * differ only in the adapters they pass (Azure SDK clients with managed identity, or Azurite
 * and in-process stand-ins locally).
 */
import { randomUUID } from 'node:crypto';
import type { Settings } from '../shared/config/settings';
import type { Job } from '../shared/jobs/job';
import type { JobStore } from '../shared/jobs/job-store';
import type { IntegrationEventStore } from '../shared/integration-events/store/event-store';
import { BlobLake } from '../shared/basis-data/parquet/blob-lake';
import { LAKE_TABLES } from '../shared/basis-data/parquet/lake';
import type { Manifest } from '../shared/settlement/manifest';
import { gridAreaCatalog } from '../shared/settlement/use-cases/basis-data-as-of';
import type { BlobStore, UrlSigner } from '../shared/storage/blob-store';
import { MemoryBlobStore } from '../shared/storage/memory-blob-store';
import type { MessageBus } from '../shared/messaging/bus';
import type { AppDeps } from './deps';
import type { OrchestrationClient } from './registry';
import type { InvocationContext } from '@azure/functions';
import type { Authenticator } from '../shared/auth/token-validator';
import type { AuditLog } from '../shared/audit/audit-log';
import { loadGridAreaOwnership } from '../shared/auth/grid-area-ownership';
import { LakeMarketDataReader } from '../shared/market-data/lake-market-data-reader';
import { lakeDeps } from '../shared/lake/lake-deps';
import type { SourceFetcher } from '../shared/lake/source-fetch';
import type { CatalogIndex } from '../shared/catalog/index/catalog-index';
import { EmbeddedCatalogIndex } from '../shared/catalog/index/embedded-index';
import { materializer } from '../shared/catalog/materialize';
import { registeredDiscoverers } from '../shared/catalog/discovery/registry';
import { traceCarrier } from '../shared/telemetry/trace-context';
import { DEFAULT_CONSOLE_ASSETS_DIR } from '../shared/console/assets';

export interface Infrastructure {
  settings: Settings;
  basisData: BlobStore;
  results: BlobStore;
  jobs: JobStore;
  messages: BlobStore & UrlSigner;
  exports: BlobStore & UrlSigner;
  bus(): MessageBus;
  /** Append-only integration event store (bi-temporal basis data). */
  integrationEvents: IntegrationEventStore;
  publishCompleted(job: Job, manifest: Manifest): Promise<void>;
  orchestrationClient(context: InvocationContext): OrchestrationClient;
  clock?: () => Date;
  lakeCacheDir?: string;
  authenticator: Authenticator;
  audit: AuditLog;
  /**
   * The market data container (issue 14: raw responses, curated Parquet, backfill ledger). Both
   * hosts pass it; absent (handler tests that never touch market data) → an empty in-memory store.
   */
  marketData?: BlobStore;
  /** The data lake container (zones raw/curated/operational); absent (handler tests) → in memory. */
  lake?: BlobStore;
  /** How lake sources are downloaded (default: HTTP with fetch, FTP with basic-ftp). */
  lakeFetch?: SourceFetcher;
  /** Waits between ingestion attempts (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** The dataset catalog's container (index documents, uploads, failures); absent (handler tests) → in memory. */
  catalog?: BlobStore;
  /** The catalog index when it is not the embedded one in `catalog` (Azure: Azure AI Search when AZURE_SEARCH_ENDPOINT is set). */
  catalogIndex?: CatalogIndex;
  /** How discoverers and the profiler reach external sources (tests: loopback fakes). */
  fetch?: typeof fetch;
  /** GET /api/health's Table storage probe (one single-row query); absent: not checked. */
  tableProbe?: () => Promise<void>;
  /** The built console's folder (the local host builds it on first use); default beside the compiled code. */
  consoleAssets?: () => Promise<string>;
}

/**
 * Grid areas change rarely; re-reading master data per request would be wasteful. The cache is
 * also keyed by the versions (etags) of the lake's master-data blobs, listed on every call (one
 * request): an upload from any process changes them, so KickStartJob sees the new grid areas at
 * once instead of up to a minute later. Integration events that alone bring a new grid area are
 * seen when the minute is up.
 */
const GRID_AREA_CACHE_MS = 60_000;

/**
 * Starts every orchestration with the caller's trace context in its input (`trace`), so the
 * orchestration's activities join the trace of the request or timer that started it.
 */
function tracingClient(client: OrchestrationClient): OrchestrationClient {
  return {
    start(orchestrator, instanceId, input) {
      const trace = traceCarrier();
      const traced =
        trace && typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input, trace } : input;
      return client.start(orchestrator, instanceId, traced);
    },
    terminate: (instanceId, reason) => client.terminate(instanceId, reason),
  };
}

export function buildDeps(infra: Infrastructure): AppDeps {
  const clock = infra.clock ?? (() => new Date());
  const lake = new BlobLake(infra.basisData, infra.lakeCacheDir);
  const marketDataStore = infra.marketData ?? new MemoryBlobStore('market-data');
  let cached: { at: number; lakeVersion: string; areas: Set<string> } | null = null;
  const newId = () => randomUUID();
  const catalogStore = infra.catalog ?? new MemoryBlobStore('dataset-catalog');
  const catalogLimit = infra.settings.catalog.maxUploadBytes;
  return {
    settings: infra.settings,
    jobs: infra.jobs,
    basisData: infra.basisData,
    integrationEvents: infra.integrationEvents,
    messages: infra.messages,
    exports: infra.exports,
    bus: () => infra.bus(),
    settlement: {
      lake,
      events: infra.integrationEvents,
      results: infra.results,
      jobs: infra.jobs,
      publishCompleted: (job, manifest) => infra.publishCompleted(job, manifest),
      batchMaxPoints: infra.settings.batchMaxPoints,
      quarterlyTransition: infra.settings.quarterlyTransition,
      clock,
    },
    async knownGridAreas() {
      const now = Date.now();
      const lakeVersion = (await infra.basisData.listDetailed(`${LAKE_TABLES.periods}/`))
        .map((b) => `${b.path}@${b.etag}`)
        .join('\n');
      if (cached && cached.lakeVersion === lakeVersion && now - cached.at <= GRID_AREA_CACHE_MS) return cached.areas;
      const areas = new Set(
        (await gridAreaCatalog({ lake, events: infra.integrationEvents }, clock().getTime())).keys(),
      );
      // an empty catalog is not kept: it is what a host sees before its first upload
      cached = areas.size > 0 ? { at: now, lakeVersion, areas } : null;
      return areas;
    },
    orchestrationClient: (context) => tracingClient(infra.orchestrationClient(context)),
    clock,
    newId,
    authenticator: infra.authenticator,
    audit: infra.audit,
    gridAreaOwnership: () => loadGridAreaOwnership(infra.integrationEvents, clock().getTime()),
    marketData: new LakeMarketDataReader(marketDataStore),
    marketDataIngest: { store: marketDataStore, settings: infra.settings.marketData, clock },
    // loads and validates the source registry now: a bad registry stops the host at startup
    lake: lakeDeps(infra.settings, infra.lake ?? new MemoryBlobStore('data-lake'), {
      clock,
      fetch: infra.lakeFetch,
      sleep: infra.sleep,
    }),
    catalog: {
      // Azure AI Search where the Azure host configured it (functions/index.ts), else the embedded index
      index: infra.catalogIndex ?? new EmbeddedCatalogIndex(catalogStore),
      files: catalogStore,
      materialize: materializer({
        containers: [catalogStore, infra.basisData, infra.results],
        maxBytes: catalogLimit,
        fetch: infra.fetch,
      }),
      clock,
      newId,
      maxBytes: catalogLimit,
    },
    health: () => ({
      // a missing blob is an answer too: the account is reachable
      storageBlob: async () => {
        await infra.results.exists('health/probe');
      },
      ...(infra.tableProbe ? { storageTable: infra.tableProbe } : {}),
      jobStore: async () => {
        await infra.jobs.list({ limit: 1 });
      },
      // an unconfigured bus throws here: reported unreachable
      serviceBus: async () => {
        await infra.bus().probe?.();
      },
    }),
    discoverers: registeredDiscoverers(
      { edsUrl: infra.settings.catalog.edsUrl, ckanUrl: infra.settings.catalog.ckanUrl },
      { basisData: infra.basisData, results: infra.results },
      infra.fetch,
    ),
    consoleAssets: infra.consoleAssets ?? (() => Promise.resolve(DEFAULT_CONSOLE_ASSETS_DIR)),
  };
}
