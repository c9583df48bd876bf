/**
 * The Parquet form of the basis data ("lake"): one folder per table, time series partitioned by
 * UTC observation date (`time_series_points/observation_date=YYYY-MM-DD/part-*.parquet`).
 */
import { promised } from '../../domain/promised';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
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
  gridLoss: 'grid_loss_metering_points',
  points: 'time_series_points',
} as const;
export const OBSERVATION_DATE_PARTITION = 'observation_date';

const TIMESTAMP_COLUMNS = new Set(['from_date', 'to_date']);

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
    for (const file of await parquetFiles(join(this.dir, LAKE_TABLES.periods))) {
      const t = await readParquetTable(file);
      const name = `${LAKE_TABLES.periods}/${file.split('/').pop()}`;
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

  /** Time series files of the partitions overlapping [from, to), in date order. */
  async timeSeriesFiles(range: { from: number; to: number }): Promise<string[]> {
    const base = join(this.dir, LAKE_TABLES.points);
    let present: Set<string>;
    try {
      present = new Set(await readdir(base));
    } catch {
      throw new ValidationError(base, null, null, 'folder of the time series is missing');
    }
    const files: string[] = [];
    for (const date of partitionDates(range.from, range.to)) {
      const part = `${OBSERVATION_DATE_PARTITION}=${date}`;
      if (present.has(part)) files.push(...(await parquetFiles(join(base, part))));
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

export async function writeMeteringPointPeriods(
  lakeDir: string,
  rows: readonly RawMeteringPointPeriod[],
): Promise<void> {
  const dir = join(lakeDir, LAKE_TABLES.periods);
  await mkdir(dir, { recursive: true });
  const cols: Record<string, arrow.Data> = {};
  for (const c of METERING_POINT_PERIOD_COLUMNS) {
    if (TIMESTAMP_COLUMNS.has(c)) {
      cols[c] = timestampColumn(Float64Array.from(rows, (r) => (r[c] === '' ? NaN : Date.parse(r[c]))));
    } else cols[c] = stringColumn(rows.map((r) => (r[c] === '' ? null : r[c])));
  }
  await writeParquetFile(join(dir, 'part-0.parquet'), tableOf(cols));
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

/** Writes one observation-date partition: ids and qualities dictionary-encoded, DECIMAL(18,3), UTC µs. */
export function writeTimeSeriesDay(
  lakeDir: string,
  meteringPointIds: readonly string[],
  day: DayOfPoints,
): Promise<void> {
  return promised(() => writeTimeSeriesDaySync(lakeDir, meteringPointIds, day));
}

/** Synchronous form, for generators that produce days in a synchronous callback (memory per day only). */
export function writeTimeSeriesDaySync(lakeDir: string, meteringPointIds: readonly string[], day: DayOfPoints): void {
  const dir = join(lakeDir, LAKE_TABLES.points, `${OBSERVATION_DATE_PARTITION}=${day.date}`);
  mkdirSync(dir, { recursive: true });
  const n = day.length;
  const cols: Record<string, arrow.Data> = {
    metering_point_id: dictionaryColumn(day.mp.subarray(0, n), meteringPointIds),
    quantity: decimal3Column(
      day.quantityMilli.subarray(0, n),
      day.quantityNull ? day.quantityNull.subarray(0, n) : undefined,
    ),
    quality: dictionaryColumn(Int32Array.from(day.quality.subarray(0, n)), QUALITIES),
    observation_time: timestampColumn(day.time.subarray(0, n)),
  };
  if (day.registration) cols.registration_time = timestampColumn(day.registration.subarray(0, n));
  writeFileSync(join(dir, 'part-0.parquet'), parquetBytes(tableOf(cols)));
}
