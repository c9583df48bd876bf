/**
 * The Parquet form of the basis data ("lake"): one folder per table, time series partitioned by
 * grid area and UTC observation date
 * (`time_series_points/grid_area=GGG/observation_date=YYYY-MM-DD/part-*.parquet`), master data and
 * charge links by grid area; the layout and why: lake-layout.ts. A local folder is read whole (all
 * grid areas present); BlobLake.view() downloads only a batch's share into such a folder.
 */
import { promised } from '../../domain/promised';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as arrow from 'apache-arrow';
import { QUALITIES } from '../../domain/codes';
import {
  assertNoOverlaps,
  METERING_POINT_PERIOD_COLUMNS,
  parseMeteringPointPeriod,
  type RawMeteringPointPeriod,
} from '../master-data';
import { ValidationError } from '../errors';
import { DAY_MS, formatInstant } from '../../domain/time';
import type { BasisDataSource, MeteringPointPeriod, TimeSeriesBatch } from '../types';
import { readChargesLake, type ChargeData } from '../charges';
import {
  EXCHANGE_FILE_PREFIX,
  EXCHANGE_TYPE,
  GRID_AREA_PARTITION,
  gridAreaFolder,
  LakeLayout,
  partitionGridArea,
  type LakePartition,
  rawInstant,
} from './lake-layout';
import { decimalMilliColumn, meteringPointIdColumn, qualityColumn, timestampMsColumn } from './columns';
import {
  arrowValueText,
  decimal3Column,
  dictionaryColumn,
  forEachParquetBatch,
  parquetBytes,
  readParquetTable,
  stringColumn,
  tableOf,
  timestampColumn,
  writeParquetFile,
} from './arrow-io';

export const LAKE_TABLES = {
  periods: 'metering_point_periods',
  exchangeNeighbours: 'exchange_neighbours',
  gridLoss: 'grid_loss_metering_points',
  points: 'time_series_points',
} as const;
export const OBSERVATION_DATE_PARTITION = 'observation_date';

/**
 * Lake paths of the time series service (issue 14), next to the settlement tables but never read
 * by a settlement batch (BlobLake lists only the settlement tables' prefixes).
 */
export const SERIES_LAKE_PATHS = {
  /**
   * Which price area (DK1/DK2) each grid area lies in: `grid_area_code;price_area;valid_from;valid_to`
   * (shared/market-data/price-areas.ts says where the data comes from).
   */
  gridAreaPriceAreas: 'grid_area_price_areas/grid_area_price_areas.csv',
  /** Generic series (PUT /api/series/{name}): `series/name=…/date=YYYY-MM-DD/*.parquet`. */
  series: 'series',
} as const;

const TIMESTAMP_COLUMNS = new Set(['from_date', 'to_date']);

/**
 * Parquet files of a table: those directly in `dir` (the flat, pre-grid-area layout) and those in
 * its partition folders one level down (`grid_area=GGG/`, `exchange/`), folders in name order.
 */
export async function tableFiles(dir: string): Promise<string[]> {
  const files = await parquetFiles(dir);
  const subdirs = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const sub of subdirs) files.push(...(await parquetFiles(join(dir, sub))));
  return files;
}

async function parquetFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new ValidationError(dir, null, null, 'folder of the Parquet table is missing');
  }
  return names
    .filter((n) => n.endsWith('.parquet'))
    .sort()
    .map((n) => join(dir, n));
}

function cellText(v: unknown, column: string): string {
  if (v === null || v === undefined) return '';
  if (TIMESTAMP_COLUMNS.has(column)) return formatInstant(Number(v));
  return arrowValueText(v);
}

/** Partitions (UTC dates) of the time series whose day overlaps [from, to). */
export function partitionDates(from: number, to: number): string[] {
  const out: string[] = [];
  for (let d = from - (from % DAY_MS); d < to; d += DAY_MS) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

export class ParquetLakeSource implements BasisDataSource {
  readonly description: string;

  constructor(readonly dir: string) {
    this.description = `lake ${dir}`;
  }

  async readMeteringPointPeriods(): Promise<MeteringPointPeriod[]> {
    const out: MeteringPointPeriod[] = [];
    const base = join(this.dir, LAKE_TABLES.periods);
    for (const file of await tableFiles(base)) {
      const t = await readParquetTable(file);
      const name = `${LAKE_TABLES.periods}/${file.slice(base.length + 1)}`;
      for (const c of METERING_POINT_PERIOD_COLUMNS) {
        if (!t.schema.fields.some((f) => f.name === c))
          throw new ValidationError(name, null, c, 'required column is missing');
      }
      const cols = METERING_POINT_PERIOD_COLUMNS.map((c) => t.getChild(c) as arrow.Vector);
      for (let i = 0; i < t.numRows; i++) {
        const raw = {} as RawMeteringPointPeriod;
        METERING_POINT_PERIOD_COLUMNS.forEach((c, k) => (raw[c] = cellText(cols[k].get(i), c)));
        out.push(parseMeteringPointPeriod(raw, name, i + 1));
      }
    }
    assertNoOverlaps(out);
    return out;
  }

  async readCharges(): Promise<ChargeData> {
    return readChargesLake(this.dir);
  }

  async readGridLossMeteringPointIds(): Promise<string[]> {
    const out: string[] = [];
    for (const file of await parquetFiles(join(this.dir, LAKE_TABLES.gridLoss))) {
      const t = await readParquetTable(file);
      const col = t.getChild('metering_point_id');
      if (!col) throw new ValidationError(file, null, 'metering_point_id', 'required column is missing');
      for (let i = 0; i < t.numRows; i++) out.push(String(col.get(i)));
    }
    return out;
  }

  /**
   * Time series files of the partitions overlapping [from, to), in date order, every grid area
   * present (then the flat pre-grid-area partition of the date, if any).
   */
  async timeSeriesFiles(range: { from: number; to: number }): Promise<string[]> {
    const base = join(this.dir, LAKE_TABLES.points);
    let present: string[];
    try {
      present = (await readdir(base)).sort();
    } catch {
      throw new ValidationError(base, null, null, 'folder of the time series is missing');
    }
    const gridAreas = present.filter((n) => n.startsWith(`${GRID_AREA_PARTITION}=`));
    const flat = new Set(present.filter((n) => n.startsWith(`${OBSERVATION_DATE_PARTITION}=`)));
    const files: string[] = [];
    for (const date of partitionDates(range.from, range.to)) {
      const part = `${OBSERVATION_DATE_PARTITION}=${date}`;
      for (const ga of gridAreas) {
        const dir = join(base, ga, part);
        if (existsSync(dir)) files.push(...(await parquetFiles(dir)));
      }
      if (flat.has(part)) files.push(...(await parquetFiles(join(base, part))));
    }
    return files;
  }

  async forEachTimeSeriesBatch(
    dictionary: ReadonlyMap<string, number>,
    range: { from: number; to: number },
    onBatch: (batch: TimeSeriesBatch) => void,
  ): Promise<void> {
    for (const file of await this.timeSeriesFiles(range)) await readTimeSeriesFile(file, this.dir, dictionary, onBatch);
  }
}

const POINT_COLUMNS = ['metering_point_id', 'quantity', 'quality', 'observation_time'] as const;

/** Decodes one time series Parquet file into engine batches (buffers reused between batches). */
export async function readTimeSeriesFile(
  file: string,
  lakeDir: string,
  dictionary: ReadonlyMap<string, number>,
  onBatch: (batch: TimeSeriesBatch) => void,
): Promise<void> {
  const name = file.startsWith(lakeDir) ? file.slice(lakeDir.length).replace(/^\//, '') : file;
  let buf: TimeSeriesBatch | null = null;
  await forEachParquetBatch(file, null, ({ batch, firstRow }) => {
    const col = (c: string): arrow.Data | null => {
      const i = batch.schema.fields.findIndex((f) => f.name === c);
      return i < 0 ? null : (batch.getChildAt(i) as arrow.Vector).data[0];
    };
    for (const c of POINT_COLUMNS) if (!col(c)) throw new ValidationError(name, null, c, 'required column is missing');
    const reg = col('registration_time');
    const n = batch.numRows;
    if (!buf || buf.mp.length < n || (reg !== null) !== (buf.registration !== null)) {
      buf = {
        length: 0,
        mp: new Int32Array(n),
        time: new Float64Array(n),
        quantityMilli: new Float64Array(n),
        quality: new Uint8Array(n),
        registration: reg ? new Float64Array(n) : null,
        file: name,
        firstRow: 0,
      };
    }
    const b: TimeSeriesBatch = {
      ...buf,
      length: n,
      mp: buf.mp.subarray(0, n),
      time: buf.time.subarray(0, n),
      quantityMilli: buf.quantityMilli.subarray(0, n),
      quality: buf.quality.subarray(0, n),
      registration: buf.registration ? buf.registration.subarray(0, n) : null,
      firstRow: firstRow + 1,
    };
    meteringPointIdColumn(col('metering_point_id') as arrow.Data, b.mp, dictionary, name, firstRow);
    timestampMsColumn(col('observation_time') as arrow.Data, b.time, name, firstRow, 'observation_time');
    decimalMilliColumn(col('quantity') as arrow.Data, b.quantityMilli, name, firstRow, 'quantity');
    qualityColumn(col('quality') as arrow.Data, b.quality, name, firstRow);
    if (reg && b.registration) timestampMsColumn(reg, b.registration, name, firstRow, 'registration_time');
    onBatch(b);
  });
}

// ---------------------------------------------------------------- writing

/**
 * Writes the master data partitioned (lake-layout.ts): `grid_area=GGG/` by grid_area_code,
 * exchange periods in its `exchange-0.parquet`; rows keep their order within a file. Also writes
 * the exchange_neighbours index. Returns the layout the other tables of the lake are written with.
 */
export async function writeMeteringPointPeriods(
  lakeDir: string,
  rows: readonly RawMeteringPointPeriod[],
): Promise<LakeLayout> {
  const byFile = new Map<string, RawMeteringPointPeriod[]>();
  const pairs = new Map<string, [string, string]>();
  const layout = LakeLayout.fromRaw(rows);
  for (const r of rows) {
    const file = layout.periodFileOf({
      meteringPointId: r.metering_point_id,
      type: r.type,
      gridAreaCode: r.grid_area_code,
      fromDate: rawInstant(r.from_date, 'from_date'),
    });
    (byFile.get(file) ?? byFile.set(file, []).get(file))?.push(r);
    if (r.type === EXCHANGE_TYPE)
      for (const n of [r.from_grid_area_code, r.to_grid_area_code])
        if (n !== '') pairs.set(`${r.grid_area_code}|${n}`, [partitionGridArea(r.grid_area_code), n]);
  }
  await mkdir(join(lakeDir, LAKE_TABLES.periods), { recursive: true });
  for (const [file, list] of byFile) {
    await mkdir(dirname(join(lakeDir, LAKE_TABLES.periods, file)), { recursive: true });
    await writeParquetFile(join(lakeDir, LAKE_TABLES.periods, file), meteringPointPeriodTable(list));
  }
  const sorted = [...pairs.values()].sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
  await mkdir(join(lakeDir, LAKE_TABLES.exchangeNeighbours), { recursive: true });
  await writeParquetFile(
    join(lakeDir, LAKE_TABLES.exchangeNeighbours, 'part-0.parquet'),
    tableOf({
      grid_area_code: stringColumn(sorted.map((p) => p[0])),
      neighbour_grid_area_code: stringColumn(sorted.map((p) => p[1])),
    }),
  );
  return layout;
}

function meteringPointPeriodTable(rows: readonly RawMeteringPointPeriod[]): arrow.Table {
  const cols: Record<string, arrow.Data> = {};
  for (const c of METERING_POINT_PERIOD_COLUMNS) {
    if (TIMESTAMP_COLUMNS.has(c)) {
      cols[c] = timestampColumn(Float64Array.from(rows, (r) => (r[c] === '' ? NaN : rawInstant(r[c], c))));
    } else cols[c] = stringColumn(rows.map((r) => (r[c] === '' ? null : r[c])));
  }
  return tableOf(cols);
}

/** The layout of an existing lake folder, from its master data (e.g. to add charge links to it). */
export async function lakeLayoutOf(lakeDir: string): Promise<LakeLayout> {
  return new LakeLayout(await new ParquetLakeSource(lakeDir).readMeteringPointPeriods());
}

/** Folder of one time series partition: `time_series_points/grid_area=GGG/observation_date=D`. */
export function timeSeriesPartitionPath(gridArea: string, date: string): string {
  return `${LAKE_TABLES.points}/${gridAreaFolder(gridArea)}/${OBSERVATION_DATE_PARTITION}=${date}`;
}

/** File name of a partition's part: exchange metering points' points in `exchange-*` files. */
export function timeSeriesFileName(partition: LakePartition, stem: string): string {
  return `${partition.exchange ? EXCHANGE_FILE_PREFIX : ''}${stem}.parquet`;
}

export async function writeGridLossMeteringPoints(lakeDir: string, ids: readonly string[]): Promise<void> {
  const dir = join(lakeDir, LAKE_TABLES.gridLoss);
  await mkdir(dir, { recursive: true });
  await writeParquetFile(join(dir, 'part-0.parquet'), tableOf({ metering_point_id: stringColumn(ids) }));
}

/** One day of points, columnar; `mp` indexes `meteringPointIds`. */
export interface DayOfPoints {
  date: string;
  length: number;
  mp: Int32Array;
  time: Float64Array;
  quantityMilli: Float64Array;
  quantityNull?: Uint8Array | null;
  quality: Uint8Array;
  registration?: Float64Array | null;
}

/**
 * Writes one observation date: one file per (grid area, exchange or not) partition of `layout`
 * (`part-0.parquet` / `exchange-0.parquet`); ids and qualities dictionary-encoded, DECIMAL(18,3), UTC µs.
 */
export function writeTimeSeriesDay(
  lakeDir: string,
  meteringPointIds: readonly string[],
  day: DayOfPoints,
  layout: LakeLayout,
): Promise<void> {
  return promised(() => writeTimeSeriesDaySync(lakeDir, meteringPointIds, day, layout));
}

/** Synchronous form, for generators that produce days in a synchronous callback (memory per day only). */
export function writeTimeSeriesDaySync(
  lakeDir: string,
  meteringPointIds: readonly string[],
  day: DayOfPoints,
  layout: LakeLayout,
): void {
  for (const { partition, rows } of layout.split(meteringPointIds, day.mp, day.time, day.length)) {
    const dir = join(lakeDir, timeSeriesPartitionPath(partition.gridArea, day.date));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, timeSeriesFileName(partition, 'part-0')), timeSeriesBytes(meteringPointIds, day, rows));
  }
}

/** One Parquet file of the rows `rows` of a day (all rows when null). */
export function timeSeriesBytes(
  meteringPointIds: readonly string[],
  day: DayOfPoints,
  rows: Int32Array | null,
): Uint8Array {
  const pick = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    if (rows === null) return a.subarray(0, day.length) as T;
    const out = make(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = a[rows[i]];
    return out;
  };
  // each file's dictionary holds only its own ids (a grid area's file must not carry the country's)
  const mp = pick(day.mp, (n) => new Int32Array(n));
  const local = new Int32Array(meteringPointIds.length).fill(-1);
  const used: string[] = [];
  const codes = new Int32Array(mp.length);
  for (let i = 0; i < mp.length; i++) {
    if (mp[i] < 0) {
      codes[i] = -1; // null id
      continue;
    }
    let c = local[mp[i]];
    if (c < 0) {
      c = local[mp[i]] = used.length;
      used.push(meteringPointIds[mp[i]]);
    }
    codes[i] = c;
  }
  const cols: Record<string, arrow.Data> = {
    metering_point_id: dictionaryColumn(codes, used),
    quantity: decimal3Column(
      pick(day.quantityMilli, (n) => new Float64Array(n)),
      day.quantityNull ? pick(day.quantityNull, (n) => new Uint8Array(n)) : undefined,
    ),
    quality: dictionaryColumn(Int32Array.from(pick(day.quality, (n) => new Uint8Array(n))), QUALITIES),
    observation_time: timestampColumn(pick(day.time, (n) => new Float64Array(n))),
  };
  if (day.registration) cols.registration_time = timestampColumn(pick(day.registration, (n) => new Float64Array(n)));
  return parquetBytes(tableOf(cols));
}

/**
 * The grid areas owning exchange metering points from or to one of `gridAreas`, from the
 * exchange_neighbours index (lake-layout.ts): whose `exchange-*` files a view of those grid areas
 * reads. Every pair counts, whatever its periods' dates: a few extra small files at most.
 */
export async function exchangeOwners(files: readonly string[], gridAreas: ReadonlySet<string>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const file of files) {
    const t = await readParquetTable(file);
    const [owner, neighbour] = ['grid_area_code', 'neighbour_grid_area_code'].map((c) => {
      const v = t.getChild(c);
      if (!v) throw new ValidationError(file, null, c, 'required column is missing');
      return v;
    });
    for (let i = 0; i < t.numRows; i++) {
      const n: unknown = neighbour.get(i);
      const o: unknown = owner.get(i);
      if (o !== null && n !== null && gridAreas.has(arrowValueText(n))) out.add(arrowValueText(o));
    }
  }
  return out;
}
