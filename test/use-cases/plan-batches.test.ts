import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeSyntheticLake } from '../../bench/lake';
import { generateSynthetic } from '../../bench/synthetic';
import { uploadLake } from '../../local/upload-lake';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import type { SettlementDeps } from '../../shared/settlement/settlement-deps';
import { gridAreaPointsPerHour } from '../../shared/settlement/use-cases/basis-data-as-of';
import { localDayStarts } from '../../shared/calculation/wholesale/amounts';
import { planBatches, splitByPoints } from '../../shared/settlement/use-cases/plan-batches';
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

  async function plan(maxPoints: number, calculationType: 'balance_fixing' | 'wholesale_fixing' = 'balance_fixing') {
    const lake = new BlobLake(infra.basisData, join(dir, 'cache'));
    const events = new MemoryIntegrationEventStore();
    const deps: SettlementDeps = {
      lake,
      events,
      results: infra.results,
      jobs: infra.jobs,
      publishCompleted: async () => {},
      batchMaxPoints: maxPoints,
      quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
      clock: () => new Date(),
    };
    const { job } = await infra.jobs.createOrGetActive(
      `plan-${calculationType}-${maxPoints}`,
      {
        calculationType,
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
    const perHour = await gridAreaPointsPerHour(
      { lake, events },
      { from: data.args.periodStart, to: data.args.periodEnd },
      Date.now(),
    );
    // the planner reads one grid area's master data at a time: the same counts as reading them all
    const scoped = await gridAreaPointsPerHour(
      { lake, events },
      { from: data.args.periodStart, to: data.args.periodEnd },
      Date.now(),
      data.args.gridAreas,
    );
    expect([...scoped.keys()]).toEqual([...data.args.gridAreas].sort());
    for (const [ga, hours] of scoped) expect(hours).toEqual(perHour.get(ga));
    return { batches, perHour };
  }

  const pointsOf = (perHour: Float64Array, from: string, to: string): number => {
    let n = 0;
    for (let t = Date.parse(from); t < Date.parse(to); t += 3_600_000)
      n += perHour[(t - data.args.periodStart) / 3_600_000];
    return n;
  };

  it('plans one batch per grid area when its points fit, else time ranges of at most BATCH_MAX_POINTS that tile the period', async () => {
    const small = await plan(1e12);
    expect(small.batches.map((b) => b.gridArea)).toEqual(data.args.gridAreas);
    const { perHour } = small;
    const dayPoints = Math.max(
      ...data.args.gridAreas.map((ga) =>
        pointsOf(
          perHour.get(ga) as Float64Array,
          small.batches[0].periodStart,
          new Date(data.args.periodStart + 86_400_000).toISOString(),
        ),
      ),
    );
    // about two local days per batch (energy: on whole days while a day fits)
    const max = Math.ceil(dayPoints * 2.2);
    const { batches } = await plan(max);
    const days = new Set(localDayStarts(data.args.periodStart, data.args.periodEnd));
    for (const ga of data.args.gridAreas) {
      const parts = batches.filter((b) => b.gridArea === ga);
      const total = pointsOf(perHour.get(ga) as Float64Array, parts[0].periodStart, parts[parts.length - 1].periodEnd);
      expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(total / max));
      expect(parts.length).toBeGreaterThan(1);
      expect(parts[0].periodStart).toBe(new Date(data.args.periodStart).toISOString());
      expect(parts[parts.length - 1].periodEnd).toBe(new Date(data.args.periodEnd).toISOString());
      for (const p of parts)
        expect(pointsOf(perHour.get(ga) as Float64Array, p.periodStart, p.periodEnd)).toBeLessThanOrEqual(max);
      for (let i = 1; i < parts.length; i++) {
        expect(parts[i].periodStart).toBe(parts[i - 1].periodEnd);
        expect(days.has(Date.parse(parts[i].periodStart))).toBe(true);
      }
    }
    expect(new Set(batches.map((b) => b.id)).size).toBe(batches.length);
  });

  it('splits an energy day that alone exceeds the limit into whole hours; wholesale never splits a local day', async () => {
    const { batches, perHour } = await plan(500);
    const days = new Set(localDayStarts(data.args.periodStart, data.args.periodEnd));
    for (const b of batches) {
      expect(Date.parse(b.periodStart) % 3_600_000).toBe(0);
      const pts = pointsOf(perHour.get(b.gridArea) as Float64Array, b.periodStart, b.periodEnd);
      // a single hour above the limit stays one batch; every other batch fits
      if (Date.parse(b.periodEnd) - Date.parse(b.periodStart) > 3_600_000) expect(pts).toBeLessThanOrEqual(500);
    }
    expect(batches.some((b) => !days.has(Date.parse(b.periodStart)))).toBe(true);
    const wholesale = await plan(500, 'wholesale_fixing');
    // every local day alone exceeds 500 points: one wholesale batch per local day and grid area
    expect(wholesale.batches).toHaveLength(data.args.gridAreas.length * days.size);
    for (const b of wholesale.batches) {
      expect(days.has(Date.parse(b.periodStart))).toBe(true);
      expect(days.has(Date.parse(b.periodEnd)) || Date.parse(b.periodEnd) === data.args.periodEnd).toBe(true);
    }
  });
});

describe('splitByPoints', () => {
  const units = (points: number[]) => points.map((p, i) => ({ from: i, to: i + 1, points: p }));
  it('uses the fewest groups and balances them', () => {
    // balanced: 10 | 10+1 (largest 11), not 10+10 | 1 (largest 20)
    expect(splitByPoints(units([10, 10, 1]), 20).map((g) => g.length)).toEqual([1, 2]);
    // 21 units of 10 with max 100: 3 groups, balanced 70/70/70 rather than 100/100/10
    const g = splitByPoints(units(Array<number>(21).fill(10)), 100);
    expect(g.map((x) => x.reduce((s, u) => s + u.points, 0))).toEqual([70, 70, 70]);
  });
  it('keeps a unit larger than the limit alone, and empty work in one group', () => {
    expect(splitByPoints(units([5, 300, 5]), 100).map((x) => x.length)).toEqual([1, 1, 1]);
    expect(splitByPoints(units([0, 0, 0]), 100)).toHaveLength(1);
  });
});
