/**
 * Lakes written before the grid-area layout (issue 11) keep working: the flat layout
 * (`time_series_points/observation_date=D/`, `metering_point_periods/*.parquet`,
 * `charge_link_periods/*.parquet`) is read correctly — also by a scoped Blob view, unscoped — and
 * `migrateLakeDir` / `migrateLakeContainer` (tools/migrate-lake.ts) rewrite it into the layout with
 * the same results. Also: how master-data events widen a batch's scope.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writeSyntheticLake } from '../../bench/lake';
import { generateCharges, writeChargesLake } from '../../bench/synthetic-charges';
import { generateSynthetic } from '../../bench/synthetic';
import { uploadLake } from '../../local/upload-lake';
import { BlobLake } from '../../shared/basis-data/parquet/blob-lake';
import { lakeLayoutOf, ParquetLakeSource } from '../../shared/basis-data/parquet/lake';
import { hasFlatLayout, migrateLakeContainer, migrateLakeDir } from '../../shared/basis-data/parquet/migrate-layout';
import type { BasisDataSource } from '../../shared/basis-data/types';
import { calculateEnergy } from '../../shared/calculation/energy/run';
import type { StoredMasterDataEvent } from '../../shared/integration-events/store/event-store';
import { energyResultRows } from '../../shared/results/energy-csv';
import { scopeWithEvents } from '../../shared/settlement/use-cases/basis-data-as-of';
import { MemoryBlobStore } from '../../shared/storage/memory-blob-store';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The pre-issue-11 layout of the same data: every partition's files flattened into their table/date folder. */
function flatten(src: string, dst: string): void {
  let k = 0;
  for (const file of walk(src)) {
    const parts = relative(src, file).split('/');
    let target: string[];
    if (parts[0] === 'exchange_neighbours') continue; // did not exist
    if (parts[0] === 'time_series_points') target = [parts[0], parts[2], `part-${k++}.parquet`];
    else if (parts[0] === 'metering_point_periods' || parts[0] === 'charge_link_periods')
      target = [parts[0], `part-${k++}.parquet`];
    else target = parts;
    mkdirSync(join(dst, ...target.slice(0, -1)), { recursive: true });
    copyFileSync(file, join(dst, ...target));
  }
}

async function putAll(dir: string, store: MemoryBlobStore): Promise<void> {
  for (const file of walk(dir)) await store.put(relative(dir, file), readFileSync(file));
}

describe('the flat (pre-grid-area) lake layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flat-'));
  const data = generateSynthetic({
    seed: 21,
    meteringPoints: 300,
    gridAreas: 4,
    days: 2,
    periodStart: '2024-01-31T23:00:00Z',
    bitemporal: true,
  });
  const lake = join(dir, 'lake');
  const flat = join(dir, 'flat');
  let expected: unknown[];

  const energy = async (source: BasisDataSource, gridAreas = data.args.gridAreas) =>
    energyResultRows(await calculateEnergy(source, { ...data.args, gridAreas }));
  const sortedLinks = async (source: BasisDataSource) =>
    (await source.readCharges()).links.map((l) => JSON.stringify(l)).sort();

  beforeAll(async () => {
    await writeSyntheticLake(lake, data);
    await writeChargesLake(
      lake,
      generateCharges(data, { seed: 21, linksPerMeteringPoint: 3 }),
      await lakeLayoutOf(lake),
    );
    flatten(lake, flat);
    expected = await energy(new ParquetLakeSource(lake));
    expect(expected.length).toBeGreaterThan(100);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is still read, with the same results and charge links', async () => {
    expect(await hasFlatLayout(flat)).toBe(true);
    expect(await hasFlatLayout(lake)).toBe(false);
    expect(readdirSync(join(flat, 'time_series_points')).every((n) => n.startsWith('observation_date='))).toBe(true);
    expect(await energy(new ParquetLakeSource(flat))).toEqual(expected);
    expect(await sortedLinks(new ParquetLakeSource(flat))).toEqual(await sortedLinks(new ParquetLakeSource(lake)));
  });

  test('a scoped Blob view of a flat lake reads it whole and calculates correctly', async () => {
    const store = new MemoryBlobStore('flat');
    await putAll(flat, store);
    const blobLake = new BlobLake(store, join(dir, 'cache-flat'));
    const range = { from: data.args.periodStart, to: data.args.periodEnd };
    const whole = await blobLake.view(range);
    const ga = data.args.gridAreas[0];
    const scoped = await blobLake.view(range, { gridAreas: [ga] });
    expect(scoped.bytes).toBe(whole.bytes);
    expect(await energy(scoped.source, [ga])).toEqual(await energy(new ParquetLakeSource(lake), [ga]));
  });

  test('migrateLakeDir rewrites it into the grid-area layout with the same results', async () => {
    const migrated = join(dir, 'migrated');
    const r = await migrateLakeDir(flat, migrated);
    expect(r.points).toBeGreaterThan(1000);
    expect(await hasFlatLayout(migrated)).toBe(false);
    expect(readdirSync(join(migrated, 'time_series_points')).every((n) => n.startsWith('grid_area='))).toBe(true);
    expect(readdirSync(join(migrated, 'metering_point_periods')).every((n) => n.startsWith('grid_area='))).toBe(true);
    expect(await energy(new ParquetLakeSource(migrated))).toEqual(expected);
    expect(await sortedLinks(new ParquetLakeSource(migrated))).toEqual(await sortedLinks(new ParquetLakeSource(lake)));
  });

  test('migrateLakeContainer migrates a container in place; scoped views then read a share', async () => {
    const store = new MemoryBlobStore('old');
    await putAll(flat, store);
    const before = await store.listDetailed('time_series_points/');
    await migrateLakeContainer(store, join(dir, 'work'));
    const after = await store.list('');
    expect(after.some((p) => p.startsWith('time_series_points/observation_date='))).toBe(false);
    expect(after.some((p) => p.startsWith('exchange_neighbours/'))).toBe(true);
    const blobLake = new BlobLake(store, join(dir, 'cache-migrated'));
    const ga = data.args.gridAreas[1];
    const view = await blobLake.view({ from: data.args.periodStart, to: data.args.periodEnd }, { gridAreas: [ga] });
    expect(view.bytes).toBeLessThan(before.reduce((s, b) => s + b.size, 0));
    expect(await energy(view.source, [ga])).toEqual(await energy(new ParquetLakeSource(lake), [ga]));
  });

  test('uploadLake of a flat folder uploads the grid-area layout', async () => {
    const store = new MemoryBlobStore('up');
    await uploadLake(flat, store);
    const paths = await store.list('time_series_points/');
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p.startsWith('time_series_points/grid_area='))).toBe(true);
  });
});

describe('a batch scope widened by master-data events', () => {
  const created = (mp: string, ga: string, exchange?: [string, string]): StoredMasterDataEvent => ({
    eventId: `${mp}-${ga}`,
    messageType: 'MeteringPointCreated',
    storedAt: 1,
    effectiveDate: 0,
    meteringPointId: mp,
    type: exchange ? 'E20' : 'E17',
    calculationType: null,
    settlementMethod: exchange ? null : 'E02',
    gridAreaCode: ga,
    resolution: 'PT1H',
    fromGridAreaCode: exchange ? exchange[0] : null,
    toGridAreaCode: exchange ? exchange[1] : null,
    parentMeteringPointId: null,
  });

  test('without events: the grid area alone, no unassigned points', () => {
    expect(scopeWithEvents(['804'], [])).toEqual({ gridAreas: ['804'], exchangeNeighbours: [], unassigned: false });
  });

  test('a metering point moved between grid areas brings the other one; exchange owners become neighbours', () => {
    const events = [
      created('571313180000000001', '805'),
      created('571313180000000001', '804'), // moved 805 → 804
      created('571313180000000002', '806'), // elsewhere: no effect
      created('571313180000000003', '807', ['807', '804']), // exchange into 804, owned by 807
    ];
    expect(scopeWithEvents(['804'], events)).toEqual({
      gridAreas: ['804', '805'],
      exchangeNeighbours: ['807'],
      unassigned: true,
    });
    expect(scopeWithEvents(['806'], events)).toEqual({ gridAreas: ['806'], exchangeNeighbours: [], unassigned: true });
    expect(scopeWithEvents(['808'], events)).toEqual({ gridAreas: ['808'], exchangeNeighbours: [], unassigned: false });
  });
});
