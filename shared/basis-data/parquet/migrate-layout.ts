/**
 * Rewrites a lake folder into the grid-area layout (lake-layout.ts), whatever layout it is in
 * (the flat pre-issue-11 one, or a grid-area one whose master data changed since): master data
 * and charge links partitioned, every time series file split by its rows' grid areas. Values are
 * kept (null quantities stay null, registration times stay); file names keep their stem so what
 * ingestion wrote stays recognizable. Used by tools/migrate-lake.ts and local/upload-lake.ts.
 */
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as arrow from 'apache-arrow';
import { CHARGE_FILES, readChargesLake, writeChargesLake } from '../charges';
import { ValidationError } from '../errors';
import { METERING_POINT_PERIOD_COLUMNS, type RawMeteringPointPeriod } from '../master-data';
import { forEachParquetBatch, readParquetTable, arrowValueText } from './arrow-io';
import { codeColumn, decimalMilliColumn, qualityColumn, timestampMsColumn } from './columns';
import {
  LAKE_TABLES,
  OBSERVATION_DATE_PARTITION,
  tableFiles,
  timeSeriesBytes,
  timeSeriesFileName,
  timeSeriesPartitionPath,
  writeMeteringPointPeriods,
  type DayOfPoints,
} from './lake';
import { EXCHANGE_FILE_PREFIX, GRID_AREA_PARTITION } from './lake-layout';
import { formatInstant } from '../../domain/time';
import type { BlobStore } from '../../storage/blob-store';

/** Whether a lake folder has anything in the flat pre-grid-area layout. */
export async function hasFlatLayout(lakeDir: string): Promise<boolean> {
  const flatFiles = async (dir: string): Promise<boolean> =>
    existsSync(dir) && (await readdir(dir)).some((n) => n.endsWith('.parquet'));
  const points = join(lakeDir, LAKE_TABLES.points);
  return (
    (await flatFiles(join(lakeDir, LAKE_TABLES.periods))) ||
    (await flatFiles(join(lakeDir, CHARGE_FILES.links))) ||
    (existsSync(points) && (await readdir(points)).some((n) => n.startsWith(`${OBSERVATION_DATE_PARTITION}=`)))
  );
}

/** Copies `src` into `dst` (a new folder) in the grid-area layout; returns the number of points. */
export async function migrateLakeDir(src: string, dst: string): Promise<{ points: number; files: number }> {
  const layout = await writeMeteringPointPeriods(dst, await rawPeriods(src));
  const gridLoss = join(src, LAKE_TABLES.gridLoss);
  if (existsSync(gridLoss)) {
    await mkdir(join(dst, LAKE_TABLES.gridLoss), { recursive: true }); // the whole table, as it is
    for (const f of (await readdir(gridLoss)).filter((n) => n.endsWith('.parquet')))
      await copyFile(join(gridLoss, f), join(dst, LAKE_TABLES.gridLoss, f));
  }
  if (Object.values(CHARGE_FILES).some((t) => existsSync(join(src, t))))
    await writeChargesLake(dst, await readChargesLake(src), layout);

  let points = 0;
  let files = 0;
  for (const { file, date, stem } of await timeSeriesSources(src)) {
    const day = await readWholeFile(file, date);
    points += day.day.length;
    for (const { partition, rows } of layout.split(day.ids, day.day.mp, day.day.time, day.day.length)) {
      const dir = join(dst, timeSeriesPartitionPath(partition.gridArea, date));
      await mkdir(dir, { recursive: true });
      let name = timeSeriesFileName(partition, stem);
      for (let k = 1; existsSync(join(dir, name)); k++) name = timeSeriesFileName(partition, `${stem}-${k}`);
      writeFileSync(join(dir, name), timeSeriesBytes(day.ids, day.day, rows));
      files++;
    }
  }
  await mkdir(join(dst, LAKE_TABLES.points), { recursive: true });
  return { points, files };
}

async function rawPeriods(src: string): Promise<RawMeteringPointPeriod[]> {
  const dir = join(src, LAKE_TABLES.periods);
  if (!existsSync(dir)) return [];
  const rows: RawMeteringPointPeriod[] = [];
  for (const file of await tableFiles(dir)) {
    const t = await readParquetTable(file);
    const cols = METERING_POINT_PERIOD_COLUMNS.map((c) => {
      const v = t.getChild(c);
      if (!v) throw new ValidationError(file, null, c, 'required column is missing');
      return v;
    });
    for (let i = 0; i < t.numRows; i++) {
      const raw = {} as RawMeteringPointPeriod;
      METERING_POINT_PERIOD_COLUMNS.forEach((c, k) => {
        const v: unknown = cols[k].get(i);
        raw[c] =
          v === null || v === undefined
            ? ''
            : c === 'from_date' || c === 'to_date'
              ? formatInstant(Number(v))
              : arrowValueText(v);
      });
      rows.push(raw);
    }
  }
  return rows;
}

/** Every time series file of the lake with its observation date and name stem. */
async function timeSeriesSources(src: string): Promise<Array<{ file: string; date: string; stem: string }>> {
  const base = join(src, LAKE_TABLES.points);
  if (!existsSync(base)) return [];
  const out: Array<{ file: string; date: string; stem: string }> = [];
  const dateDir = async (dir: string, part: string): Promise<void> => {
    const date = part.slice(OBSERVATION_DATE_PARTITION.length + 1);
    for (const n of (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort()) {
      const plain = n.startsWith(EXCHANGE_FILE_PREFIX) ? n.slice(EXCHANGE_FILE_PREFIX.length) : n;
      out.push({ file: join(dir, n), date, stem: plain.slice(0, -'.parquet'.length) });
    }
  };
  for (const e of (await readdir(base)).sort()) {
    if (e.startsWith(`${OBSERVATION_DATE_PARTITION}=`)) await dateDir(join(base, e), e);
    else if (e.startsWith(`${GRID_AREA_PARTITION}=`))
      for (const d of (await readdir(join(base, e))).sort())
        if (d.startsWith(`${OBSERVATION_DATE_PARTITION}=`)) await dateDir(join(base, e, d), d);
  }
  return out;
}

/** A whole time series file as one columnar day, ids as they are (a migration keeps every row). */
async function readWholeFile(file: string, date: string): Promise<{ ids: string[]; day: DayOfPoints }> {
  const ids: string[] = [];
  const code = new Map<string, number>();
  const parts: Array<{
    mp: Int32Array;
    time: Float64Array;
    milli: Float64Array;
    isNull: Uint8Array;
    quality: Uint8Array;
    reg: Float64Array | null;
  }> = [];
  await forEachParquetBatch(file, null, ({ batch, firstRow }) => {
    const col = (c: string): arrow.Data | null => {
      const i = batch.schema.fields.findIndex((f) => f.name === c);
      return i < 0 ? null : (batch.getChildAt(i) as arrow.Vector).data[0];
    };
    for (const c of ['metering_point_id', 'quantity', 'quality', 'observation_time'])
      if (!col(c)) throw new ValidationError(file, null, c, 'required column is missing');
    const n = batch.numRows;
    const p = {
      mp: new Int32Array(n),
      time: new Float64Array(n),
      milli: new Float64Array(n),
      isNull: new Uint8Array(n),
      quality: new Uint8Array(n),
      reg: col('registration_time') ? new Float64Array(n) : null,
    };
    codeColumn(
      col('metering_point_id') as arrow.Data,
      p.mp,
      (s) => {
        let c = code.get(s);
        if (c === undefined) {
          code.set(s, (c = ids.length));
          ids.push(s);
        }
        return c;
      },
      () => -1,
    );
    timestampMsColumn(col('observation_time') as arrow.Data, p.time, file, firstRow, 'observation_time');
    decimalMilliColumn(col('quantity') as arrow.Data, p.milli, file, firstRow, 'quantity', p.isNull);
    qualityColumn(col('quality') as arrow.Data, p.quality, file, firstRow);
    const reg = col('registration_time');
    if (reg && p.reg) timestampMsColumn(reg, p.reg, file, firstRow, 'registration_time');
    parts.push(p);
  });
  const n = parts.reduce((s, p) => s + p.mp.length, 0);
  const hasReg = parts.length > 0 && parts.every((p) => p.reg !== null);
  const day: DayOfPoints = {
    date,
    length: n,
    mp: new Int32Array(n),
    time: new Float64Array(n),
    quantityMilli: new Float64Array(n),
    quantityNull: new Uint8Array(n),
    quality: new Uint8Array(n),
    registration: hasReg ? new Float64Array(n) : null,
  };
  let at = 0;
  for (const p of parts) {
    day.mp.set(p.mp, at);
    day.time.set(p.time, at);
    day.quantityMilli.set(p.milli, at);
    day.quantityNull?.set(p.isNull, at);
    day.quality.set(p.quality, at);
    if (day.registration && p.reg) day.registration.set(p.reg, at);
    at += p.mp.length;
  }
  return { ids, day };
}

/**
 * Migrates a lake container in place: downloads it into `workDir`, rewrites it there
 * (migrateLakeDir), uploads the new files, then deletes the blobs the new layout no longer has.
 * Run it while no settlement reads the lake: between the upload and the deletes a reader would see
 * points twice (old and new place).
 */
export async function migrateLakeContainer(
  store: BlobStore,
  workDir: string,
): Promise<{ points: number; uploaded: number; deleted: number }> {
  const src = join(workDir, 'old');
  const dst = join(workDir, 'new');
  await store.downloadPrefix('', src);
  const { points } = await migrateLakeDir(src, dst);
  const written = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.parquet')) {
        const path = relative(dst, p).split('\\').join('/');
        await store.put(path, await readFile(p), 'application/vnd.apache.parquet');
        written.add(path);
      }
    }
  };
  await walk(dst);
  let deleted = 0;
  for (const path of await store.list(''))
    if (path.endsWith('.parquet') && !written.has(path)) {
      await store.delete(path);
      deleted++;
    }
  return { points, uploaded: written.size, deleted };
}
