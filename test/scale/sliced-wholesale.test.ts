/**
 * Time-sliced wholesale equals the single-process calculation, row for row (result ids included):
 * a generated multi-grid-area October (the 25-hour DST day) with charges, computed
 * (a) like the CLI: calculateWholesale over the whole month and every grid area, and
 * (b) like the settlement job: planBatches with a small BATCH_MAX_POINTS (several slices per grid
 *     area) → calculateBatch per slice → commitJob (reduce of the monthly amounts and totals) →
 *     readWholesaleResults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateCharges, writeChargesLake } from '../../bench/synthetic-charges';
import { generateSynthetic } from '../../bench/synthetic';
import { uploadLake } from '../../local/upload-lake';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { lakeLayoutOf, ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { calculateWholesale } from '../../shared/calculation/wholesale/run';
import { isLocalMidnight } from '../../shared/domain/local-time';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { readWholesaleResults } from '../../shared/results/committed-results';
import { wholesaleResultRows, wholesaleRowsFromParquet } from '../../shared/results/wholesale-output';
import { readResultPage, type ResultPosition } from '../../shared/results/result-stream';
import { parquetResultStream } from '../../shared/results/result-formats';
import { readManifest, type Manifest } from '../../shared/settlement/manifest';
import { WHOLESALE_RESULT_COLUMNS, type WholesaleResultRow } from '../../shared/results/wholesale-results';
import type { BatchOutput } from '../../shared/settlement/batch';
import { gridAreaPointsPerHour } from '../../shared/settlement/use-cases/basis-data-as-of';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const text = (r: WholesaleResultRow): string => WHOLESALE_RESULT_COLUMNS.map((c) => r[c]).join(';');

describe('time-sliced wholesale with a reduce equals the single-process calculation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sliced-wholesale-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const data = generateSynthetic({
    seed: 31,
    meteringPoints: 240,
    gridAreas: 4,
    calculationGridAreas: 3,
    days: 31,
    periodStart: '2023-09-30T22:00:00Z', // local 2023-10-01: October, with the 25-hour 29th
    calculationType: 'wholesale_fixing',
  });
  const charges = generateCharges(data, { seed: 31, linksPerMeteringPoint: 6 });
  const args = data.args;
  const lakeDir = join(dir, 'lake');
  let single: WholesaleResultRow[];
  let sliced: WholesaleResultRow[];
  let batches: Awaited<ReturnType<typeof planBatches>>;
  let maxPoints: number;
  let committed: { results: MemoryBlobStore; jobId: string };

  beforeAll(async () => {
    await writeSyntheticLake(lakeDir, data);
    await writeChargesLake(lakeDir, charges, await lakeLayoutOf(lakeDir));
    // (a) single process, like the CLI
    single = wholesaleResultRows(await calculateWholesale(new ParquetLakeSource(lakeDir), args));

    // (b) the settlement job's use cases on in-memory stores
    const basisData = new MemoryBlobStore('basis-data');
    await uploadLake(lakeDir, basisData);
    const lake = new BlobLake(basisData, join(dir, 'cache'));
    const events = new MemoryIntegrationEventStore();
    const results = new MemoryBlobStore('results');
    const jobs = new MemoryJobStore();
    const now = new Date('2023-11-05T07:00:00Z');
    const { job } = await jobs.createOrGetActive(
      args.calculationId,
      {
        calculationType: args.calculationType,
        periodStart: new Date(args.periodStart).toISOString(),
        periodEnd: new Date(args.periodEnd).toISOString(),
        gridAreas: args.gridAreas,
        asOf: now.toISOString(),
        createdByUserId: 'test',
        trigger: 'test',
      },
      now,
    );
    // about a quarter of the smallest calculated grid area's month per batch
    const perHour = await gridAreaPointsPerHour(
      { lake, events },
      { from: args.periodStart, to: args.periodEnd },
      now.getTime(),
    );
    const totals = args.gridAreas.map((ga) => (perHour.get(ga) ?? new Float64Array()).reduce((s, v) => s + v, 0));
    maxPoints = Math.ceil(Math.min(...totals) / 4);
    const deps = {
      lake,
      events,
      jobs,
      results,
      batchMaxPoints: maxPoints,
      quarterlyTransition: Date.parse('2023-01-31T23:00:00Z'),
      clock: () => now,
    };
    batches = await planBatches(deps, job.id);
    await jobs.transition(job.id, 'Started', now);
    await jobs.transition(job.id, 'Executing', now);
    const outputs: BatchOutput[] = [];
    for (const b of batches) outputs.push(await calculateBatch(deps, job.id, b));
    await commitJob(deps, job.id, outputs);
    sliced = (await readWholesaleResults(results, job.id, {})) ?? [];
    committed = { results, jobId: job.id };
  }, 600_000);

  test('the job is split: several local-day slices per grid area, tiling the month', () => {
    for (const ga of args.gridAreas) {
      const parts = batches.filter((b) => b.gridArea === ga);
      expect(parts.length).toBeGreaterThanOrEqual(4);
      expect(Date.parse(parts[0].periodStart)).toBe(args.periodStart);
      expect(Date.parse(parts[parts.length - 1].periodEnd)).toBe(args.periodEnd);
      for (let i = 0; i < parts.length; i++) {
        expect(isLocalMidnight(Date.parse(parts[i].periodStart))).toBe(true);
        if (i > 0) expect(parts[i].periodStart).toBe(parts[i - 1].periodEnd);
      }
    }
    // the DST day (local 2023-10-29, 25 hours) lies inside some slice of every grid area
    const dst = Date.parse('2023-10-28T22:00:00Z');
    for (const ga of args.gridAreas)
      expect(
        batches.some((b) => b.gridArea === ga && Date.parse(b.periodStart) <= dst && Date.parse(b.periodEnd) > dst),
      ).toBe(true);
  });

  test('the data exercises every kind of row, priced subscriptions after the first slice included', () => {
    const kinds = new Set(single.map((r) => `${r.amount_type}/${r.charge_type}/${r.resolution}`));
    for (const k of [
      'amount_per_charge/tariff/PT1H',
      'amount_per_charge/tariff/P1D',
      'amount_per_charge/subscription/P1D',
      'amount_per_charge/fee/P1D',
      'monthly_amount_per_charge/subscription/P1M',
      'total_monthly_amount//P1M',
    ])
      expect(kinds).toContain(k);
    const firstSliceEnd = Math.min(...batches.map((b) => Date.parse(b.periodEnd)));
    expect(
      single.some((r) => r.charge_type === 'subscription' && r.price !== '' && Date.parse(r.time) >= firstSliceEnd),
    ).toBe(true);
  });

  test('identical rows, result ids included (order-insensitive)', () => {
    const a = single.map(text).sort();
    const b = sliced.map(text).sort();
    const inA = new Set(a);
    const inB = new Set(b);
    const onlySingle = a.filter((t) => !inB.has(t));
    const onlySliced = b.filter((t) => !inA.has(t));
    expect({ onlySingle: onlySingle.slice(0, 5), onlySliced: onlySliced.slice(0, 5) }).toEqual({
      onlySingle: [],
      onlySliced: [],
    });
    expect(sliced.length).toBe(single.length);
    expect(b).toEqual(a);
  });

  test('the results API over the many files (batch slices + _monthly): pages and re-encoded Parquet give the rows', async () => {
    const manifest = (await readManifest(committed.results, committed.jobId)) as Manifest;
    expect(manifest.wholesaleFiles.length).toBeGreaterThan(args.gridAreas.length);
    const paged: WholesaleResultRow[] = [];
    let from: ResultPosition | null = { file: 0, row: 0 };
    while (from) {
      const page: { rows: WholesaleResultRow[]; next: ResultPosition | null } = await readResultPage(
        committed.results,
        manifest,
        { kind: 'wholesale' },
        from,
        997,
      );
      paged.push(...page.rows);
      from = page.next;
    }
    expect(paged.map(text)).toEqual(sliced.map(text));
    // one file's schema differs from another's in the dictionaries only: one streamed file holds them all
    const { asStored, body } = await parquetResultStream(committed.results, manifest, { kind: 'wholesale' }, () => {});
    expect(asStored).toBe(false);
    const parts: Uint8Array[] = [];
    for await (const p of body) parts.push(p);
    expect(wholesaleRowsFromParquet(Buffer.concat(parts)).map(text)).toEqual(sliced.map(text));
  });
});
