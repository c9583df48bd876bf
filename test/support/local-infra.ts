/** Azurite-backed infrastructure for handler and orchestration tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { uploadLake } from '../../local/upload-lake';
import { scenarioToLake } from '../../shared/basis-data/parquet/convert';
import { loadSettings } from '../../shared/config/settings';
import { TableJobStore } from '../../shared/jobs/table-job-store';
import { AzureBlobStore } from '../../shared/storage/azure-blob-store';
import { buildDeps, type Infrastructure } from '../../functions/composition';
import type { AppDeps } from '../../functions/deps';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { promised as settle } from '../../shared/domain/promised';
import { devAuthenticator } from '../../local/dev-issuer';
import { MemoryAuditLog } from '../../shared/audit/audit-log';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

export interface TestInfra {
  az: AzuriteInstance;
  basisData: AzureBlobStore;
  results: AzureBlobStore;
  jobs: TableJobStore;
  tmp: string;
  stop(): Promise<void>;
}

let counter = 0;

/** Fresh containers and tables per call (unique names) on one Azurite. */
export async function testInfra(az: AzuriteInstance, scenarioDir?: string): Promise<TestInfra> {
  const n = `${process.pid}x${++counter}`;
  const basisData = AzureBlobStore.fromConnectionString(az.connectionString, `basis-${n}`);
  const results = AzureBlobStore.fromConnectionString(az.connectionString, `results-${n}`);
  await basisData.ensureContainer();
  await results.ensureContainer();
  const { TableClient } = await import('@azure/data-tables');
  const opts = { allowInsecureConnection: true };
  const jobs = new TableJobStore(
    TableClient.fromConnectionString(az.connectionString, `Jobs${n.replace(/\D/g, '')}`, opts),
    TableClient.fromConnectionString(az.connectionString, `Locks${n.replace(/\D/g, '')}`, opts),
  );
  await jobs.ensureTables();
  const tmp = mkdtempSync(join(tmpdir(), 'infra-'));
  if (scenarioDir) {
    await scenarioToLake(scenarioDir, join(tmp, 'lake'));
    await uploadLake(join(tmp, 'lake'), basisData);
  }
  return { az, basisData, results, jobs, tmp, stop: () => settle(() => rmSync(tmp, { recursive: true, force: true })) };
}

export { startAzurite };
export const testSettings = (cs: string, extra: Record<string, string> = {}) =>
  loadSettings({ STORAGE_CONNECTION_STRING: cs, SETTLEMENT_SCHEDULE: '[]', AUTH_DEV_ISSUER: 'true', ...extra });

/**
 * Handler dependencies over a TestInfra: Azurite stores, memory event store, no Service Bus
 * (a handler that reaches for it fails the test), no completion publishing. `overrides` sets the
 * rest (orchestration client, clock, …).
 */
export function testDeps(
  infra: TestInfra,
  overrides: Partial<Infrastructure> & Pick<Infrastructure, 'orchestrationClient'>,
): AppDeps {
  return buildDeps({
    settings: testSettings(infra.az.connectionString),
    integrationEvents: new MemoryIntegrationEventStore(),
    messages: infra.results,
    exports: infra.results,
    marketData: infra.results,
    bus: () => {
      throw new Error('no Service Bus in this test');
    },
    basisData: infra.basisData,
    results: infra.results,
    lake: infra.results, // lake paths (raw/, curated/, operational/, _system/) never meet jobs/
    jobs: infra.jobs,
    publishCompleted: async () => {},
    lakeCacheDir: join(infra.tmp, 'cache'),
    authenticator: devAuthenticator(),
    audit: new MemoryAuditLog(),
    catalog: new MemoryBlobStore('dataset-catalog'),
    ...overrides,
  });
}
