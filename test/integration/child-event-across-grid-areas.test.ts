/**
 * A child metering point created by an integration event (MeteringPointCreated with a parent)
 * whose parent lies in another grid area (issue 12 finding 8): it belongs to its parent's grid
 * area, so the batch of the parent's grid area must read its rows from the scoped lake view —
 * events are not partitioned, but the child's lake points (and charge links) lie where the lake
 * put them before the parent link was known: under `grid_area=unassigned` (no lake master data)
 * or in the child's own grid area. A job of the parent's (and of the child's) grid area alone,
 * through calculateBatch on the scoped Blob lake, must give exactly the rows of the same data
 * with the child in the lake's master data, calculated in process over every grid area.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCharges, writeChargesLake } from '../../bench/synthetic-charges';
import { generateSynthetic, PERIOD_COLUMNS } from '../../bench/synthetic';
import { writeSyntheticLake } from '../../bench/lake';
import { uploadLake } from '../../local/upload-lake';
import type { RawMeteringPointPeriod } from '../../shared/basis-data/master-data';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import {
  lakeLayoutOf,
  ParquetLakeSource,
  writeGridLossMeteringPoints,
  writeMeteringPointPeriods,
  writeTimeSeriesDaySync,
} from '../../shared/basis-data/parquet/lake';
import { LakeLayout } from '../../shared/basis-data/parquet/lake-layout';
import { calculateWholesale } from '../../shared/calculation/wholesale/run';
import type { MeteringPointType } from '../../shared/domain/codes';
import { encodeIntegrationEvent } from '../../shared/integration-events/encode';
import type { MasterDataEvent } from '../../shared/integration-events/events';
import type { StoredMasterDataEvent } from '../../shared/integration-events/store/event-store';
import { MemoryIntegrationEventStore } from '../../shared/integration-events/store/memory-event-store';
import { MemoryJobStore } from '../../shared/jobs/memory-job-store';
import { readWholesaleResults } from '../../shared/results/committed-results';
import { wholesaleResultRows } from '../../shared/results/wholesale-output';
import { WHOLESALE_RESULT_COLUMNS, type WholesaleResultRow } from '../../shared/results/wholesale-results';
import type { BatchOutput } from '../../shared/settlement/batch';
import { scopeWithEvents } from '../../shared/settlement/use-cases/basis-data-as-of';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

const kept = WHOLESALE_RESULT_COLUMNS.filter((c) => c !== 'calculation_id' && c !== 'result_id');
const line = (r: WholesaleResultRow): string => kept.map((c) => r[c]).join(';');

describe('scopeWithEvents: a child created by an event belongs to its parent grid area', () => {
  const created = (mp: string, ga: string, parent: string | null = null): StoredMasterDataEvent => ({
    eventId: `${mp}-${ga}`,
    messageType: 'MeteringPointCreated',
    storedAt: 1,
    effectiveDate: 0,
    meteringPointId: mp,
    type: parent ? 'D14' : 'E17',
    calculationType: null,
    settlementMethod: parent ? null : 'E02',
    gridAreaCode: ga,
    resolution: 'PT1H',
    fromGridAreaCode: null,
    toGridAreaCode: null,
    parentMeteringPointId: parent,
  });
  const P = '571313170000000001';
  const C = '571313070000000002';

  test('parent placed by events: its grid area reads the child grid area and the unassigned points', () => {
    const events = [created(P, '804'), created(C, '805', P)];
    expect(scopeWithEvents(['804'], events)).toEqual({
      gridAreas: ['804', '805'],
      exchangeNeighbours: [],
      unassigned: true,
    });
    // the child's own grid area is not widened by the parent: the child is not settled there
    expect(scopeWithEvents(['805'], events)).toEqual({ gridAreas: ['805'], exchangeNeighbours: [], unassigned: true });
    expect(scopeWithEvents(['806'], events)).toEqual({ gridAreas: ['806'], exchangeNeighbours: [], unassigned: false });
  });

  test('parent known from the lake only: widened when the lake places the parent in the scope', () => {
    const events = [created(C, '805', P)];
    expect(scopeWithEvents(['804'], events)).toEqual({ gridAreas: ['804'], exchangeNeighbours: [], unassigned: false });
    expect(scopeWithEvents(['804'], events, new Set([P]))).toEqual({
      gridAreas: ['804', '805'],
      exchangeNeighbours: [],
      unassigned: true,
    });
  });
});

describe('a child created by an event, its parent in another grid area, settled by the batch of the parent grid area', () => {
  const dir = mkdtempSync(join(tmpdir(), 'child-event-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = generateSynthetic({
    seed: 1,
    meteringPoints: 160,
    gridAreas: 4,
    calculationGridAreas: 3,
    days: 3,
    periodStart: '2023-10-27T22:00:00Z',
    calculationType: 'wholesale_fixing',
    exchangeShare: 0.2,
  });
  const charges = generateCharges(data, { seed: 1, linksPerMeteringPoint: 4 });
  const args = data.args;
  const col = (name: string): number => PERIOD_COLUMNS.indexOf(name as (typeof PERIOD_COLUMNS)[number]);
  const raw = (row: string[]): RawMeteringPointPeriod =>
    Object.fromEntries(PERIOD_COLUMNS.map((c, i) => [c, row[i]])) as RawMeteringPointPeriod;
  const gaOf = new Map(
    data.periods.filter((p) => p[col('parent_metering_point_id')] === '').map((p) => [p[col('metering_point_id')], p]),
  );
  // a child of a calculated grid area whose parent lies in another calculated grid area
  const childRow = data.periods.find((p) => {
    const parent = gaOf.get(p[col('parent_metering_point_id')]);
    const own = p[col('grid_area_code')];
    const theirs = parent?.[col('grid_area_code')];
    return (
      parent !== undefined && own !== theirs && args.gridAreas.includes(own) && args.gridAreas.includes(theirs ?? '')
    );
  }) as string[];
  const child = childRow[col('metering_point_id')];
  const childGa = childRow[col('grid_area_code')];
  const parent = childRow[col('parent_metering_point_id')];
  const parentGa = (gaOf.get(parent) as string[])[col('grid_area_code')];
  const from = Date.parse(childRow[col('from_date')]);

  let reference: WholesaleResultRow[];
  beforeAll(async () => {
    const lake = join(dir, 'reference');
    await writeSyntheticLake(lake, data);
    await writeChargesLake(lake, charges, await lakeLayoutOf(lake));
    reference = wholesaleResultRows(await calculateWholesale(new ParquetLakeSource(lake), args));
  }, 60_000);

  test('the case is what it claims: one child period, open, in another grid area than its parent', () => {
    expect(data.periods.filter((p) => p[col('metering_point_id')] === child)).toHaveLength(1);
    expect(childRow[col('to_date')]).toBe('');
    expect(childGa).not.toBe(parentGa);
    expect(reference.some((r) => r.grid_area_code === parentGa && r.metering_point_type !== 'consumption')).toBe(true);
  });

  /**
   * The lake without the child's master data; its points and charge links placed by `pointsLayout`
   * (how the lake stood when they were written). The child comes from MeteringPointCreated +
   * MeteringPointConnected.
   */
  async function jobRows(
    variant: string,
    pointsLayout: (periods: RawMeteringPointPeriod[]) => LakeLayout,
    gridAreas: string[],
  ): Promise<WholesaleResultRow[]> {
    const lake = join(dir, variant);
    const periods = data.periods.filter((p) => p[col('metering_point_id')] !== child).map(raw);
    await writeMeteringPointPeriods(lake, periods);
    await writeGridLossMeteringPoints(lake, data.gridLossMeteringPointIds);
    const layout = pointsLayout(periods);
    data.forEachDay((day) => writeTimeSeriesDaySync(lake, data.meteringPointIds, day, layout));
    await writeChargesLake(lake, charges, layout);

    const basisData = new MemoryBlobStore('basis-data');
    await uploadLake(lake, basisData);
    const events = new MemoryIntegrationEventStore();
    const born: MasterDataEvent[] = [
      {
        messageType: 'MeteringPointCreated',
        meteringPointId: child,
        effectiveDate: from,
        type: childRow[col('type')] as MeteringPointType,
        calculationType: null,
        settlementMethod: null,
        gridAreaCode: childGa,
        resolution: 'PT1H',
        fromGridAreaCode: null,
        toGridAreaCode: null,
        parentMeteringPointId: parent,
      },
      { messageType: 'MeteringPointConnected', meteringPointId: child, effectiveDate: from },
    ];
    for (const [i, event] of born.entries())
      await events.append({
        eventId: `0000000${i}-0000-4000-8000-000000000000`,
        event,
        body: encodeIntegrationEvent(event).body,
        storedAt: args.asOf - 1,
      });

    const now = new Date(args.executionTimeStart);
    const deps = {
      lake: new BlobLake(basisData, join(dir, `${variant}-cache`)),
      events,
      jobs: new MemoryJobStore(),
      results: new MemoryBlobStore('results'),
      batchMaxPoints: 1_000_000_000,
      quarterlyTransition: args.quarterlyTransition,
      clock: () => now,
    };
    const { job } = await deps.jobs.createOrGetActive(
      `${variant}|${gridAreas.join(',')}`,
      {
        calculationType: args.calculationType,
        periodStart: new Date(args.periodStart).toISOString(),
        periodEnd: new Date(args.periodEnd).toISOString(),
        gridAreas,
        asOf: new Date(args.asOf).toISOString(),
        createdByUserId: 'test',
        trigger: 'test',
      },
      now,
    );
    const batches = await planBatches(deps, job.id);
    await deps.jobs.transition(job.id, 'Started', now);
    await deps.jobs.transition(job.id, 'Executing', now);
    const outputs: BatchOutput[] = [];
    for (const b of batches) outputs.push(await calculateBatch(deps, job.id, b));
    await commitJob(deps, job.id, outputs);
    return (await readWholesaleResults(deps.results, job.id, {})) ?? [];
  }

  const variants: Array<[string, (periods: RawMeteringPointPeriod[]) => LakeLayout]> = [
    // no lake master data for the child: its points under grid_area=unassigned
    ['no lake master data', (periods) => LakeLayout.fromRaw(periods)],
    // the lake knew the child before its parent link: its points in its own grid area
    [
      'stored in its own grid area',
      (periods) => LakeLayout.fromRaw([...periods, { ...raw(childRow), parent_metering_point_id: '' }]),
    ],
  ];

  test.each(variants)('%s: each grid area alone = the reference rows of that grid area', async (variant, layout) => {
    for (const ga of [parentGa, childGa]) {
      const expected = reference
        .filter((r) => r.grid_area_code === ga)
        .map(line)
        .sort();
      const actual = (await jobRows(`${variant.replace(/ /g, '-')}-${ga}`, layout, [ga])).map(line).sort();
      const inA = new Set(actual);
      const inE = new Set(expected);
      expect({
        gridArea: ga,
        missing: expected.filter((t) => !inA.has(t)).slice(0, 3),
        extra: actual.filter((t) => !inE.has(t)).slice(0, 3),
      }).toEqual({ gridArea: ga, missing: [], extra: [] });
      expect(actual).toEqual(expected);
    }
  });
});
