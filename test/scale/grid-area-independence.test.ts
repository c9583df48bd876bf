/**
 * Grid-area independence (issue 12 finding 8): a grid area's results never depend on which other
 * grid areas share the run. On generated data (several seeds; children whose parent lies in
 * another grid area, exchange between neighbours and with a non-calculated grid area), for energy
 * (balance_fixing) and wholesale (wholesale_fixing with charges):
 *
 * - in process: calculateEnergy/calculateWholesale with gridAreas = [g] gives exactly the rows of
 *   g of the run with every grid area, and the union over g is that run;
 * - as the settlement job: a job of one grid area (calculateBatch on the scoped Blob lake view,
 *   commitJob) gives exactly g's rows of a job of every grid area, and both equal the in-process
 *   rows (job ids and result ids differ by run, so both are normalized away).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateCharges, writeChargesLake } from '../../bench/synthetic-charges';
import { generateSynthetic, PERIOD_COLUMNS, type SyntheticData } from '../../bench/synthetic';
import { uploadLake } from '../../local/upload-lake';
import type { CalculationArguments } from '../../shared/basis-data/types';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { lakeLayoutOf, ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import { calculateWholesale } from '../../shared/calculation/wholesale/run';
import type { CalculationType } from '../../shared/domain/codes';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { readResults, readWholesaleResults } from '../../shared/results/committed-results';
import { energyResultRows } from '../../shared/results/energy-csv';
import { ENERGY_RESULT_COLUMNS } from '../../shared/results/energy-result-row';
import { wholesaleResultRows } from '../../shared/results/wholesale-output';
import { WHOLESALE_RESULT_COLUMNS } from '../../shared/results/wholesale-results';
import type { BatchOutput } from '../../shared/settlement/batch';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

type Row = Record<string, string>;

/** A row without what names the run (calculation id, result id), as one comparable line. */
function normalized(columns: readonly string[]): (r: Row) => string {
  const kept = columns.filter((c) => c !== 'calculation_id' && c !== 'result_id');
  return (r) => kept.map((c) => r[c]).join(';');
}

const sorted = (rows: readonly Row[], line: (r: Row) => string): string[] => rows.map(line).sort();

/** Differences as a small object, so a failure shows the first differing rows instead of two huge arrays. */
function diff(expected: readonly string[], actual: readonly string[]): { missing: string[]; extra: string[] } {
  const inE = new Set(expected);
  const inA = new Set(actual);
  return {
    missing: expected.filter((t) => !inA.has(t)).slice(0, 5),
    extra: actual.filter((t) => !inE.has(t)).slice(0, 5),
  };
}

interface Case {
  type: CalculationType;
  seed: number;
}

const CASES: Case[] = [
  // seeds whose data has every kind of child placement of crossAreaChildren (checked below)
  { type: 'balance_fixing', seed: 13 },
  { type: 'balance_fixing', seed: 20 },
  { type: 'wholesale_fixing', seed: 1 },
  { type: 'wholesale_fixing', seed: 4 },
];

/** Children whose parent's period (at the period start) lies in another grid area than their own. */
function crossAreaChildren(data: SyntheticData): Array<{ child: string; ownGa: string; parentGa: string }> {
  const col = (name: string): number => PERIOD_COLUMNS.indexOf(name as (typeof PERIOD_COLUMNS)[number]);
  const [id, ga, parent] = [col('metering_point_id'), col('grid_area_code'), col('parent_metering_point_id')];
  const gaOf = new Map(data.periods.filter((p) => p[parent] === '').map((p) => [p[id], p[ga]]));
  return data.periods
    .filter((p) => p[parent] !== '' && gaOf.has(p[parent]) && gaOf.get(p[parent]) !== p[ga])
    .map((p) => ({ child: p[id], ownGa: p[ga], parentGa: gaOf.get(p[parent]) as string }));
}

describe.each(CASES)('grid-area independence: $type, seed $seed', ({ type, seed }) => {
  const wholesale = type === 'wholesale_fixing';
  const columns = wholesale ? WHOLESALE_RESULT_COLUMNS : ENERGY_RESULT_COLUMNS;
  const line = normalized(columns);
  const dir = mkdtempSync(join(tmpdir(), 'ga-independence-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const data = generateSynthetic({
    seed,
    meteringPoints: 160,
    gridAreas: 4,
    calculationGridAreas: 3,
    days: 3,
    periodStart: '2023-10-27T22:00:00Z', // local 2023-10-28 … 30: the 25-hour day inside
    calculationType: type,
    exchangeShare: 0.2,
  });
  const args = data.args;
  const lakeDir = join(dir, 'lake');
  const now = new Date(args.executionTimeStart);

  const inProcess = async (a: CalculationArguments): Promise<Row[]> => {
    const source = new ParquetLakeSource(lakeDir);
    return wholesale
      ? wholesaleResultRows(await calculateWholesale(source, a))
      : energyResultRows(await calculateEnergy(source, a));
  };

  let all: Row[];
  const alone = new Map<string, Row[]>();
  let jobAll: Row[];
  const jobAlone = new Map<string, Row[]>();

  beforeAll(async () => {
    await writeSyntheticLake(lakeDir, data);
    if (wholesale)
      await writeChargesLake(
        lakeDir,
        generateCharges(data, { seed, linksPerMeteringPoint: 4 }),
        await lakeLayoutOf(lakeDir),
      );
    all = await inProcess(args);
    for (const g of args.gridAreas) alone.set(g, await inProcess({ ...args, gridAreas: [g] }));

    // the settlement job's use cases: batches read the Blob lake scoped to their grid area
    const basisData = new MemoryBlobStore('basis-data');
    await uploadLake(lakeDir, basisData);
    const deps = {
      lake: new BlobLake(basisData, join(dir, 'cache')),
      events: new MemoryIntegrationEventStore(),
      jobs: new MemoryJobStore(),
      results: new MemoryBlobStore('results'),
      batchMaxPoints: 1_000_000_000, // one batch per grid area: the property is about grid areas
      quarterlyTransition: args.quarterlyTransition,
      clock: () => now,
    };
    const runJob = async (gridAreas: readonly string[]): Promise<Row[]> => {
      const { job } = await deps.jobs.createOrGetActive(
        `${args.calculationId}|${gridAreas.join(',')}`,
        {
          calculationType: type,
          periodStart: new Date(args.periodStart).toISOString(),
          periodEnd: new Date(args.periodEnd).toISOString(),
          gridAreas: [...gridAreas],
          asOf: new Date(args.asOf).toISOString(),
          createdByUserId: 'test',
          trigger: 'test',
        },
        now,
      );
      const batches = await planBatches(deps, job.id);
      expect(batches.map((b) => b.gridArea)).toEqual([...gridAreas]);
      await deps.jobs.transition(job.id, 'Started', now);
      await deps.jobs.transition(job.id, 'Executing', now);
      const outputs: BatchOutput[] = [];
      for (const b of batches) outputs.push(await calculateBatch(deps, job.id, b));
      await commitJob(deps, job.id, outputs);
      const rows = wholesale
        ? await readWholesaleResults(deps.results, job.id, {})
        : await readResults(deps.results, job.id, {});
      return rows ?? [];
    };
    jobAll = await runJob(args.gridAreas);
    for (const g of args.gridAreas) jobAlone.set(g, await runJob([g]));
  }, 120_000);

  test('the data has what the property is about', () => {
    // children whose parent lies in another grid area: both calculated, only the parent's, only the child's
    const calculated = (ga: string): boolean => args.gridAreas.includes(ga);
    const cross = crossAreaChildren(data);
    expect(cross.some((c) => calculated(c.ownGa) && calculated(c.parentGa))).toBe(true);
    expect(cross.some((c) => !calculated(c.ownGa) && calculated(c.parentGa))).toBe(true);
    expect(cross.some((c) => calculated(c.ownGa) && !calculated(c.parentGa))).toBe(true);
    if (wholesale) {
      const childTypes = new Set(all.map((r) => r.metering_point_type));
      expect([...childTypes].some((t) => t !== 'consumption' && t !== 'production')).toBe(true);
    } else {
      // exchange between calculated neighbours and with the non-calculated grid area
      const pairs = all.filter((r) => r.neighbor_grid_area_code !== '');
      expect(pairs.some((r) => args.gridAreas.includes(r.neighbor_grid_area_code))).toBe(true);
      expect(pairs.some((r) => !args.gridAreas.includes(r.neighbor_grid_area_code))).toBe(true);
    }
    for (const g of args.gridAreas) expect(all.some((r) => r.grid_area_code === g)).toBe(true);
  });

  test('each grid area alone (in process) = its rows of the run with every grid area', () => {
    for (const g of args.gridAreas) {
      const expected = sorted(
        all.filter((r) => r.grid_area_code === g),
        line,
      );
      const actual = sorted(alone.get(g) ?? [], line);
      expect({ gridArea: g, ...diff(expected, actual) }).toEqual({ gridArea: g, missing: [], extra: [] });
      expect(actual).toEqual(expected);
    }
    // and nothing of the full run lies outside the calculated grid areas' runs
    const union = args.gridAreas.flatMap((g) => alone.get(g) ?? []);
    expect(sorted(union, line)).toEqual(sorted(all, line));
  });

  test('a job of one grid area (scoped Blob lake) = its rows of a job of every grid area = in process', () => {
    expect(diff(sorted(all, line), sorted(jobAll, line))).toEqual({ missing: [], extra: [] });
    for (const g of args.gridAreas) {
      const expected = sorted(
        jobAll.filter((r) => r.grid_area_code === g),
        line,
      );
      const actual = sorted(jobAlone.get(g) ?? [], line);
      expect({ gridArea: g, ...diff(expected, actual) }).toEqual({ gridArea: g, missing: [], extra: [] });
      expect(actual).toEqual(expected);
    }
  });
});
