import type { InvocationContext } from '@azure/functions';
import type { Settings } from '../shared/config/settings';
import type { JobStore } from '../shared/jobs/job-store';
import type { IntegrationEventStore } from '../shared/integration-events/store/event-store';
import type { SettlementDeps } from '../shared/settlement/settlement-deps';
import type { StartJobDeps } from '../shared/settlement/use-cases/start-job';
import type { BlobStore, UrlSigner } from '../shared/storage/blob-store';
import type { MessageBus } from '../shared/messaging/bus';
import type { OrchestrationClient } from './registry';
import type { Authenticator } from '../shared/auth/token-validator';
import type { AuditLog } from '../shared/audit/audit-log';
import type { GridAreaOwnership } from '../shared/auth/grid-area-ownership';
import type { MarketDataReader } from '../shared/market-data/market-series';
import type { MarketDataIngestDeps } from '../shared/market-data/use-cases/ingest';
import type { LakeDeps } from '../shared/lake/lake-deps';
import type { CatalogDeps } from '../shared/catalog/catalog-service';
import type { Discoverer } from '../shared/catalog/discovery/discoverer';
import type { HealthProbes } from '../shared/health/health';

/** Everything the function handlers need, built once by the host's composition root. */
export interface AppDeps {
  settings: Settings;
  jobs: JobStore;
  settlement: SettlementDeps;
  /** Where the integration-event subscriber appends (and calculations read as of their as-of). */
  integrationEvents: IntegrationEventStore;
  /** Outgoing market documents (RSM-014, eSett); signs the links MessageHub hands out. */
  messages: BlobStore & UrlSigner;
  /** Basis data exports; signs the download links. */
  exports: BlobStore & UrlSigner;
  /** The Service Bus (senders send to queues); resolved on first use. */
  bus: () => MessageBus;
  /** The basis-data lake container (bulk ingestion writes here). */
  basisData: BlobStore;
  /** Grid areas present in the basis data (for request validation and "all"). */
  knownGridAreas: () => Promise<Set<string>>;
  orchestrationClient: (context: InvocationContext) => OrchestrationClient;
  clock: () => Date;
  newId: () => string;
  /** Validates the bearer token of every HTTP request (Entra ID, or the local dev issuer). */
  authenticator: Authenticator;
  /** Append-only record of every read of results, basis data and exports. */
  audit: AuditLog;
  /** Who owns which grid area (GridAreaUpdated events), read per request. */
  gridAreaOwnership: () => Promise<GridAreaOwnership>;
  /** Normalised market data (day-ahead prices, CO2 intensity) as stored by the ingestion, as of a fetch time. */
  marketData: MarketDataReader;
  /** What market data ingestion (timer, backfill activities) writes with: the market-data container, source URLs. */
  marketDataIngest: MarketDataIngestDeps;
  /** The data lake: its partitions, the source registry (validated at startup), fetching. */
  lake: LakeDeps;
  /** The dataset catalog (issue 16): its index, stored files and limits. */
  catalog: CatalogDeps;
  /** The registered discoverers (shared/catalog/discovery/registry.ts). */
  discoverers: Discoverer[];
  /** GET /api/health's reachability probes (storage blob and table, job store, bus). */
  health: () => HealthProbes;
  /** The folder of the built console (shared/console/assets.ts). */
  consoleAssets: () => Promise<string>;
}

/** The start-job use case's ports for one invocation (the orchestration client is per invocation). */
export function startJobDeps(deps: AppDeps, context: InvocationContext): StartJobDeps {
  return {
    jobs: deps.jobs,
    startOrchestration: (orchestrator, instanceId, input) =>
      deps.orchestrationClient(context).start(orchestrator, instanceId, input),
    maxParallelBatches: deps.settings.maxParallelBatches,
    staleRequestedAfterMs: deps.settings.staleRequestedJobMs,
    clock: () => deps.clock(),
  };
}
