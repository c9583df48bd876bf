import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { uploadLake } from '../../local/upload-lake';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { SettlementDeps } from '../../shared/settlement/settlement-deps';
import { gridAreaCatalog } from '../../shared/settlement/use-cases/basis-data-as-of';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { startAzurite, testInfra, type TestInfra } from '../support/local-infra';
import type { AzuriteInstance } from '../../local/azurite';

describe('batch planning', () => {
  let az: AzuriteInstance;
  let infra: TestInfra;
  const dir = mkdtempSync(join(tmpdir(), 'plan-'));
  const data = generateSynthetic({
    seed: 5,
    meteringPoints: 400,
    gridAreas: 3,
    calculationGridAreas: 3,
    days: 4,
    periodStart: '2024-01-31T23:00:00Z',
  });

  beforeAll(async () => {
    az = await startAzurite();
    infra = await testInfra(az);
    await writeSyntheticLake(join(dir, 'lake'), data);
    await uploadLake(join(dir, 'lake'), infra.basisData);
  });
  afterAll(async () => {
    await infra.stop();
    await az.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function plan(threshold: number) {
    const lake = new BlobLake(infra.basisData, join(dir, 'cache'));
    const events = new MemoryIntegrationEventStore();
    const deps: SettlementDeps = {
      lake,
      events,
      results: infra.results,
      jobs: infra.jobs,
      publishCompleted: async () => {},
      batchMeteringPointThreshold: threshold,
      quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
      clock: () => new Date(),
    };
    const { job } = await infra.jobs.createOrGetActive(
      `plan-${threshold}`,
      {
        calculationType: 'balance_fixing',
        periodStart: new Date(data.args.periodStart).toISOString(),
        periodEnd: new Date(data.args.periodEnd).toISOString(),
        gridAreas: data.args.gridAreas,
        asOf: new Date(data.args.asOf).toISOString(),
        createdByUserId: 't',
        trigger: 'test',
      },
      new Date(),
    );
    const batches = await planBatches(deps, job.id);
    await infra.jobs.transition(job.id, 'Canceled', new Date());
    return { batches, catalog: await gridAreaCatalog({ lake, events }, Date.now()) };
  }

  it('plans one batch per grid area, and splits large grid areas into whole days that tile the period', async () => {
    const small = await plan(100_000);
    expect(small.batches.map((b) => b.gridArea)).toEqual(data.args.gridAreas);
    const { batches, catalog } = await plan(50);
    for (const ga of data.args.gridAreas) {
      const parts = batches.filter((b) => b.gridArea === ga);
      expect(parts.length).toBe(Math.min(4, Math.ceil((catalog.get(ga) as number) / 50)));
      expect(parts[0].periodStart).toBe(new Date(data.args.periodStart).toISOString());
      expect(parts[parts.length - 1].periodEnd).toBe(new Date(data.args.periodEnd).toISOString());
      for (let i = 1; i < parts.length; i++) {
        expect(parts[i].periodStart).toBe(parts[i - 1].periodEnd);
        expect((Date.parse(parts[i].periodStart) - data.args.periodStart) % 86_400_000).toBe(0);
      }
    }
    expect(new Set(batches.map((b) => b.id)).size).toBe(batches.length);
  });
});
