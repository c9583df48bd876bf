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
import type { Manifest } from '../shared/settlement/manifest';
import { gridAreaCatalog } from '../shared/settlement/use-cases/basis-data-as-of';
import type { BlobStore, UrlSigner } from '../shared/storage/blob-store';
import type { MessageBus } from '../shared/messaging/bus';
import type { AppDeps } from './deps';
import type { OrchestrationClient } from './registry';
import type { InvocationContext } from '@azure/functions';
import type { Authenticator } from '../shared/auth/token-validator';
import type { AuditLog } from '../shared/audit/audit-log';
import { loadGridAreaOwnership } from '../shared/auth/grid-area-ownership';
import { EmbeddedCatalogIndex } from '../shared/catalog/index/embedded-index';
import { materializer } from '../shared/catalog/materialize';
import { registeredDiscoverers } from '../shared/catalog/discovery/registry';

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
  /** The dataset catalog's container (index documents, uploads, failures). */
  catalog: BlobStore;
  /** How discoverers and the profiler reach external sources (tests: loopback fakes). */
  fetch?: typeof fetch;
}

/** Grid areas change rarely; re-reading master data per request would be wasteful. */
const GRID_AREA_CACHE_MS = 60_000;

export function buildDeps(infra: Infrastructure): AppDeps {
  const clock = infra.clock ?? (() => new Date());
  const lake = new BlobLake(infra.basisData, infra.lakeCacheDir);
  let cached: { at: number; areas: Set<string> } | null = null;
  const newId = () => randomUUID();
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
      if (!cached || now - cached.at > GRID_AREA_CACHE_MS)
        cached = {
          at: now,
          areas: new Set((await gridAreaCatalog({ lake, events: infra.integrationEvents }, clock().getTime())).keys()),
        };
      return cached.areas;
    },
    orchestrationClient: (context) => infra.orchestrationClient(context),
    clock,
    newId,
    authenticator: infra.authenticator,
    audit: infra.audit,
    gridAreaOwnership: () => loadGridAreaOwnership(infra.integrationEvents, clock().getTime()),
    catalog: {
      // the embedded index in every host until the Azure AI Search adapter exists (README "Dataset catalog")
      index: new EmbeddedCatalogIndex(infra.catalog),
      files: infra.catalog,
      materialize: materializer({
        containers: [infra.catalog, infra.basisData, infra.results],
        maxBytes: catalogLimit,
        fetch: infra.fetch,
      }),
      clock,
      newId,
      maxBytes: catalogLimit,
    },
    discoverers: registeredDiscoverers(
      { edsUrl: infra.settings.catalog.edsUrl, ckanUrl: infra.settings.catalog.ckanUrl },
      { basisData: infra.basisData, results: infra.results },
      infra.fetch,
    ),
  };
}
