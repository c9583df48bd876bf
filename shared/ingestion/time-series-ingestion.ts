/**
 * Bulk ingestion of time series points (backfills): Parquet, NDJSON or `;`-CSV request bodies
 * are validated completely (any bad row → ValidationError naming row, column and reason, nothing
 * written), decoded into columnar typed arrays (no per-point objects for Parquet), grouped by UTC
 * observation date and metering point's grid area and written as one new Parquet file per date and
 * grid area into the basis-data lake layout (shared/basis-data/parquet/lake-layout.ts:
 * `time_series_points/grid_area=GGG/observation_date=YYYY-MM-DD/ingest-<ts>-<uuid>.parquet`,
 * `exchange-ingest-…` for exchange metering points) with `registration_time` = now: the ingestion
 * time is the registration time, so a later request corrects an earlier one and any ingested point
 * corrects a lake point stored without registration time (which counts as the earliest; equal
 * registration times are settled by content — docs/energy-calculation.md, "Bi-temporal"). All
 * points of a request share that time, so a request may hold one point per metering point and
 * observation time: a second one is a ValidationError naming both rows. The grid area
 * is the one of the metering point's period covering the point as known now (lake master data
 * overlaid with the integration events); a point outside every period goes with the nearest
 * period. Points of a metering point without any master data are accepted into
 * `grid_area=unassigned/`, which every lake view reads (so the metering point finds them whatever
 * grid area it later gets; `tools/migrate-lake.ts` moves them once the lake's master data has it). Returns only after every put resolved; when a put fails the files
 * already written by the request are deleted (best effort) and the error is rethrown.
 *
 * Row numbers: Parquet/CSV count data rows from 1 (the CSV header is not a row, as in the
 * scenario CSV source); NDJSON counts lines from 1.
 *
 * Quantities are decimal(18,3) (≤ 15 integer digits, ≤ 3 decimals); like the rest of the engine
 * (shared/decimal/scaled.ts) they are kept as integer milli-units in doubles, so magnitudes
 * beyond 2^53 milli-units (≈ 9.007e12) are rejected rather than rounded — the lake reader would
 * reject them anyway.
 */
import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { parseTable } from 'arrow-js-ffi';
import { ValidationError } from '../basis-data/errors';
import { codeColumn, decimalMilliColumn, timestampMsColumn } from '../basis-data/parquet/columns';
import {
  arrowTypeName,
  decimal3Column,
  dictionaryColumn,
  parquetBytes,
  READ_BATCH_ROWS,
  tableOf,
  wasmBuffer,
} from '../basis-data/parquet/arrow-io';
import { timeSeriesFileName, timeSeriesPartitionPath } from '../basis-data/parquet/lake';
import { LakeLayout } from '../basis-data/parquet/lake-layout';
import type { BlobLake } from '../basis-data/parquet/blob-lake';
import { AsOfBasisDataSource, type BasisDataEvents } from '../basis-data/bitemporal/as-of-source';
import { DAY_MS, INSTANT_HINT, parseInstant } from '../domain/time';
import { excerpt } from '../domain/excerpt';
import { DecimalFormatError, parseScaled } from '../decimal/scaled';
import { QUALITIES, QUALITY_BY_NAME, RESOLUTION_MS, RESOLUTIONS } from '../domain/codes';
import type { BlobStore } from '../storage/blob-store';
import { GSRN_RE } from '../domain/identifiers';

export type IngestFormat = 'parquet' | 'ndjson' | 'csv';
export const INGEST_FORMATS: readonly IngestFormat[] = ['parquet', 'ndjson', 'csv'];
export const INGEST_COLUMNS = ['metering_point_id', 'quantity', 'quality', 'observation_time', 'resolution'] as const;
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface IngestResult {
  points: number;
  files: string[];
}

const BODY = 'request body';
const RESOLUTION_BY_NAME: ReadonlyMap<string, number> = new Map(RESOLUTIONS.map((r, i) => [r, i]));
const RESOLUTION_STEP = Float64Array.from(RESOLUTIONS, (r) => RESOLUTION_MS[r]);
const QUARTER_MS = 15 * 60_000;
const QUALITY_HINT = 'expected missing, estimated, measured or calculated';

// ---------------------------------------------------------------- columnar accumulator

/** Validated points, columnar. `mp` indexes `ids`; `row` is the point's row number in the body. */
class PointColumns {
  length = 0;
  mp: Int32Array;
  row: Float64Array;
  time: Float64Array;
  milli: Float64Array;
  isNull: Uint8Array;
  quality: Uint8Array;
  readonly ids: string[] = [];
  readonly idCode = new Map<string, number>();

  constructor(capacity: number) {
    const c = Math.max(16, capacity);
    this.mp = new Int32Array(c);
    this.row = new Float64Array(c);
    this.time = new Float64Array(c);
    this.milli = new Float64Array(c);
    this.isNull = new Uint8Array(c);
    this.quality = new Uint8Array(c);
  }

  /** Makes room for `extra` more points. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.mp.length) return;
    const c = Math.max(need, this.mp.length * 2);
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.mp = grow(this.mp, (n) => new Int32Array(n));
    this.row = grow(this.row, (n) => new Float64Array(n));
    this.time = grow(this.time, (n) => new Float64Array(n));
    this.milli = grow(this.milli, (n) => new Float64Array(n));
    this.isNull = grow(this.isNull, (n) => new Uint8Array(n));
    this.quality = grow(this.quality, (n) => new Uint8Array(n));
  }

  /** Code of a metering point id, validating it once per distinct id. */
  idOf(s: string, row: number): number {
    const c = this.idCode.get(s);
    if (c !== undefined) return c;
    if (!GSRN_RE.test(s))
      throw new ValidationError(
        BODY,
        row,
        'metering_point_id',
        `'${s}' is not a valid metering point id (18-digit GSRN)`,
      );
    const code = this.ids.length;
    this.ids.push(s);
    this.idCode.set(s, code);
    return code;
  }
}

// ---------------------------------------------------------------- scalar parsing (text formats)

/**
 * Milli-units of a plain decimal (`-12.345`, `7`, `0.50`), or NaN when it is not that simple form
 * or out of range — the caller then asks `parseScaled` for the exact reason.
 */
function fastMilli(s: string): number {
  const n = s.length;
  let i = 0;
  let neg = false;
  if (n === 0) return NaN;
  let c = s.charCodeAt(0);
  if (c === 45) {
    neg = true;
    i = 1;
  } else if (c === 43) i = 1;
  let int = 0;
  let intDigits = 0;
  let digits = 0;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    digits++;
    if (int === 0 && c === 48) continue;
    int = int * 10 + (c - 48);
    intDigits++;
  }
  if (digits === 0 || intDigits > 15) return NaN;
  let frac = 0;
  if (i < n) {
    if (c !== 46) return NaN;
    i++;
    let k = 0;
    for (; i < n; i++, k++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) return NaN;
      if (k < 3) frac = frac * 10 + (c - 48);
      else if (c !== 48) return NaN; // a 4th significant decimal
    }
    if (k === 1) frac *= 100;
    else if (k === 2) frac *= 10;
  }
  const v = int * 1000 + frac;
  if (!Number.isSafeInteger(v)) return NaN;
  return neg ? -v : v;
}

/** Milli-units of a quantity text; throws a ValidationError with the reason. */
function quantityMilli(s: string, row: number): number {
  const v = fastMilli(s);
  if (!Number.isNaN(v)) return v;
  try {
    return parseScaled(s, 3, 15);
  } catch (e) {
    if (e instanceof DecimalFormatError)
      throw new ValidationError(BODY, row, 'quantity', `${e.message} (decimal(18,3) expected)`);
    throw e;
  }
}

/** Parses ISO timestamps with a bounded cache (the same instants recur for every metering point). */
class InstantParser {
  private cache = new Map<string, number>();

  parse(s: string, row: number): number {
    let ms = this.cache.get(s);
    if (ms !== undefined) return ms;
    const p = parseInstant(s);
    if (p === null) throw new ValidationError(BODY, row, 'observation_time', `'${excerpt(s)}' is not ${INSTANT_HINT}`);
    ms = p;
    if (this.cache.size >= 200_000) this.cache.clear();
    this.cache.set(s, ms);
    return ms;
  }
}

function checkAligned(ms: number, resolution: number, row: number): void {
  const step = RESOLUTION_STEP[resolution];
  if (((ms % step) + step) % step !== 0) {
    throw new ValidationError(
      BODY,
      row,
      'observation_time',
      `${new Date(ms).toISOString()} is not aligned to the resolution ${RESOLUTIONS[resolution]}`,
    );
  }
}

function resolutionOf(s: string, row: number): number {
  const r = RESOLUTION_BY_NAME.get(s);
  if (r === undefined)
    throw new ValidationError(BODY, row, 'resolution', `unknown resolution '${s}' (expected PT15M or PT1H)`);
  return r;
}

function qualityOf(s: string, row: number): number {
  const q = QUALITY_BY_NAME.get(s);
  if (q === undefined) throw new ValidationError(BODY, row, 'quality', `unknown quality '${s}' (${QUALITY_HINT})`);
  return q;
}

/** Splits a UTF-8 body into lines, decoding ~8 MB at a time (no single giant string). */
function forEachLine(body: Uint8Array, onLine: (line: string, lineNo: number) => void): void {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const CHUNK = 8 << 20;
  let start = 0;
  let lineNo = 0;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) start = 3;
  while (start < body.length) {
    let end = Math.min(body.length, start + CHUNK);
    if (end < body.length) {
      const nl = body.subarray(start, end).lastIndexOf(10);
      if (nl >= 0) end = start + nl + 1;
      else {
        const next = body.indexOf(10, end);
        end = next < 0 ? body.length : next + 1;
      }
    }
    const lines = decoder.decode(body.subarray(start, end)).split('\n');
    if (end < body.length || lines[lines.length - 1] === '') lines.pop(); // chunk ends with '\n'
    for (let k = 0; k < lines.length; k++) {
      let line = lines[k];
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      onLine(line, ++lineNo);
    }
    start = end;
  }
}

// ---------------------------------------------------------------- NDJSON

function ndjsonText(v: unknown, row: number, column: string): string {
  if (typeof v === 'string') return v;
  throw new ValidationError(
    BODY,
    row,
    column,
    v === undefined || v === null ? 'value is required' : `expected a string, found ${JSON.stringify(v)}`,
  );
}

function parseNdjson(body: Uint8Array): PointColumns {
  const cols = new PointColumns(Math.ceil(body.length / 100));
  const instants = new InstantParser();
  forEachLine(body, (line, row) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new ValidationError(BODY, row, null, `invalid JSON: ${(e as Error).message}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      throw new ValidationError(BODY, row, null, 'expected a JSON object per line');
    const r = o as Record<string, unknown>;
    cols.reserve(1);
    const i = cols.length;
    cols.mp[i] = cols.idOf(ndjsonText(r.metering_point_id, row, 'metering_point_id'), row);
    const q = r.quantity;
    if (q === null || q === '') {
      cols.isNull[i] = 1;
      cols.milli[i] = 0;
    } else if (typeof q === 'string') {
      cols.isNull[i] = 0;
      cols.milli[i] = quantityMilli(q, row);
    } else if (typeof q === 'number') {
      cols.isNull[i] = 0;
      cols.milli[i] = quantityMilli(String(q), row);
    } else {
      throw new ValidationError(
        BODY,
        row,
        'quantity',
        q === undefined
          ? 'value is required (null for no quantity)'
          : `expected a decimal string, found ${JSON.stringify(q)}`,
      );
    }
    cols.quality[i] = qualityOf(ndjsonText(r.quality, row, 'quality'), row);
    const ms = instants.parse(ndjsonText(r.observation_time, row, 'observation_time'), row);
    checkAligned(ms, resolutionOf(ndjsonText(r.resolution, row, 'resolution'), row), row);
    cols.time[i] = ms;
    cols.row[i] = row;
    cols.length = i + 1;
  });
  return cols;
}

// ---------------------------------------------------------------- CSV

function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34
    ? s.slice(1, -1).replace(/""/g, '"')
    : s;
}

function parseCsv(body: Uint8Array): PointColumns {
  const cols = new PointColumns(Math.ceil(body.length / 80));
  const instants = new InstantParser();
  let idx: number[] | null = null;
  let width = 0;
  forEachLine(body, (line, lineNo) => {
    if (idx === null) {
      const header = line.split(';').map((h) => unquote(h.trim()));
      idx = INGEST_COLUMNS.map((c) => header.indexOf(c));
      INGEST_COLUMNS.forEach((c, k) => {
        if ((idx as number[])[k] < 0)
          throw new ValidationError(BODY, null, c, `required column is missing (header: ${INGEST_COLUMNS.join(';')})`);
      });
      const unknown = header.filter((h) => !(INGEST_COLUMNS as readonly string[]).includes(h));
      if (unknown.length > 0)
        throw new ValidationError(BODY, null, unknown[0], `unknown column (header: ${INGEST_COLUMNS.join(';')})`);
      width = header.length;
      return;
    }
    if (line === '') return;
    const row = lineNo - 1;
    const f = line.split(';');
    if (f.length !== width)
      throw new ValidationError(BODY, row, null, `expected ${width} fields separated by ';', found ${f.length}`);
    for (let k = 0; k < f.length; k++) if (f[k].charCodeAt(0) === 34) f[k] = unquote(f[k]);
    const [iMp, iQ, iQual, iTime, iRes] = idx;
    cols.reserve(1);
    const i = cols.length;
    const id = f[iMp];
    if (id === '') throw new ValidationError(BODY, row, 'metering_point_id', 'value is required');
    cols.mp[i] = cols.idOf(id, row);
    const q = f[iQ];
    if (q === '') {
      cols.isNull[i] = 1;
      cols.milli[i] = 0;
    } else {
      cols.isNull[i] = 0;
      cols.milli[i] = quantityMilli(q, row);
    }
    cols.quality[i] = qualityOf(f[iQual], row);
    const ms = instants.parse(f[iTime], row);
    checkAligned(ms, resolutionOf(f[iRes], row), row);
    cols.time[i] = ms;
    cols.row[i] = row;
    cols.length = i + 1;
  });
  if (idx === null)
    throw new ValidationError(BODY, null, null, `the CSV header is missing (expected ${INGEST_COLUMNS.join(';')})`);
  return cols;
}

// ---------------------------------------------------------------- Parquet

function isStringColumn(d: arrow.Data): boolean {
  if (arrow.DataType.isUtf8(d.type)) return true;
  return arrow.DataType.isDictionary(d.type) && arrow.DataType.isUtf8(d.type.dictionary);
}

function requireString(d: arrow.Data, column: string): void {
  if (!isStringColumn(d))
    throw new ValidationError(BODY, null, column, `expected a string column, found ${arrowTypeName(d.type)}`);
}

/** String quantities (Utf8 or dictionary) → milli-units; null or '' = null. */
function stringQuantityColumn(d: arrow.Data, out: Float64Array, isNull: Uint8Array, firstRow: number): void {
  const vec = arrow.makeVector(d);
  for (let i = 0; i < d.length; i++) {
    const s = vec.get(i) as string | null;
    if (s === null || s === '') {
      out[i] = 0;
      isNull[i] = 1;
    } else {
      out[i] = quantityMilli(s, firstRow + i + 1);
      isNull[i] = 0;
    }
  }
}

function decodeParquetBatch(
  batch: arrow.RecordBatch,
  firstRow: number,
  cols: PointColumns,
  scratch: { res: Uint8Array },
): void {
  const col = (c: string): arrow.Data => {
    const i = batch.schema.fields.findIndex((f) => f.name === c);
    if (i < 0)
      throw new ValidationError(BODY, null, c, `required column is missing (columns: ${INGEST_COLUMNS.join(', ')})`);
    return (batch.getChildAt(i) as arrow.Vector<arrow.DataType>).data[0];
  };
  const n = batch.numRows;
  cols.reserve(n);
  const base = cols.length;
  const mpD = col('metering_point_id');
  const qD = col('quantity');
  const qualD = col('quality');
  const tD = col('observation_time');
  const rD = col('resolution');
  requireString(mpD, 'metering_point_id');
  requireString(qualD, 'quality');
  requireString(rD, 'resolution');
  const required =
    (column: string) =>
    (i: number): number => {
      throw new ValidationError(BODY, firstRow + i + 1, column, 'value is required');
    };

  codeColumn(
    mpD,
    cols.mp.subarray(base, base + n),
    (s, i) => cols.idOf(s, firstRow + i + 1),
    required('metering_point_id'),
  );
  const milli = cols.milli.subarray(base, base + n);
  const isNull = cols.isNull.subarray(base, base + n);
  if (arrow.DataType.isDecimal(qD.type)) decimalMilliColumn(qD, milli, BODY, firstRow, 'quantity', isNull);
  else if (isStringColumn(qD)) stringQuantityColumn(qD, milli, isNull, firstRow);
  else
    throw new ValidationError(
      BODY,
      null,
      'quantity',
      `expected DECIMAL(18,3) or a string column, found ${arrowTypeName(qD.type)}`,
    );
  codeColumn(
    qualD,
    cols.quality.subarray(base, base + n),
    (s, i) => qualityOf(s, firstRow + i + 1),
    required('quality'),
  );
  const time = cols.time.subarray(base, base + n);
  if (!arrow.DataType.isTimestamp(tD.type))
    throw new ValidationError(
      BODY,
      null,
      'observation_time',
      `expected a timestamp column, found ${arrowTypeName(tD.type)}`,
    );
  timestampMsColumn(tD, time, BODY, firstRow, 'observation_time');
  if (scratch.res.length < n) scratch.res = new Uint8Array(n);
  const res = scratch.res.subarray(0, n);
  codeColumn(rD, res, (s, i) => resolutionOf(s, firstRow + i + 1), required('resolution'));
  for (let i = 0; i < n; i++) {
    const step = RESOLUTION_STEP[res[i]];
    const ms = time[i];
    if (((ms % step) + step) % step !== 0) checkAligned(ms, res[i], firstRow + i + 1);
    cols.row[base + i] = firstRow + i + 1;
  }
  cols.length = base + n;
}

async function parseParquet(body: Uint8Array): Promise<PointColumns> {
  let file: pw.ParquetFile;
  try {
    file = await pw.ParquetFile.fromFile(new Blob([body]));
  } catch (e) {
    throw new ValidationError(
      BODY,
      null,
      null,
      `not a readable Parquet file: ${String(e instanceof Error ? e.message : e)}`,
    );
  }
  try {
    const meta = file.metadata();
    const groups = meta.numRowGroups();
    let total = 0;
    for (let g = 0; g < groups; g++) total += meta.rowGroup(g).numRows();
    const cols = new PointColumns(total);
    const scratch = { res: new Uint8Array(0) };
    let firstRow = 0;
    for (let g = 0; g < groups; g++) {
      const rgRows = meta.rowGroup(g).numRows();
      const table = await file.read({ rowGroups: [g], batchSize: READ_BATCH_ROWS });
      const ffi = table.intoFFI();
      try {
        const t = parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), false);
        let row = firstRow;
        for (const batch of t.batches) {
          decodeParquetBatch(batch, row, cols, scratch);
          row += batch.numRows;
        }
      } finally {
        ffi.free();
      }
      firstRow += rgRows;
    }
    meta.free();
    return cols;
  } finally {
    file.free();
  }
}

// ---------------------------------------------------------------- duplicates

/**
 * One point per metering point and observation time per request: all points of a request get the
 * same registration time, so two of them for one slot would leave the calculation nothing to pick
 * by (docs/energy-calculation.md, "Bi-temporal"). The error names both rows (the first pair in
 * body order). Sorting a typed array of keys keeps this cheap for millions of points; the rows are
 * looked up only when a duplicate exists.
 */
function rejectDuplicates(cols: PointColumns): void {
  const n = cols.length;
  const nIds = cols.ids.length;
  // every instant is aligned to at least 15 minutes (checkAligned), so (quarter, mp) is a unique integer
  const key = (i: number): number => Math.floor(cols.time[i] / QUARTER_MS) * nIds + cols.mp[i];
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = key(i);
  keys.sort();
  const repeated = new Set<number>();
  for (let i = 1; i < n; i++) if (keys[i] === keys[i - 1]) repeated.add(keys[i]);
  if (repeated.size === 0) return;
  const firstRow = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (!repeated.has(k)) continue;
    const first = firstRow.get(k);
    if (first === undefined) {
      firstRow.set(k, cols.row[i]);
      continue;
    }
    throw new ValidationError(
      BODY,
      cols.row[i],
      'observation_time',
      `duplicate point: row ${first} and row ${cols.row[i]} are both for metering point ${cols.ids[cols.mp[i]]} at ${new Date(cols.time[i]).toISOString()} (one point per metering point and time per request)`,
    );
  }
}

// ---------------------------------------------------------------- writing

/** Timestamp(µs, UTC) from epoch ms, exact for any ms < 2^53, without a BigInt per row. */
function timestampMicrosColumn(ms: Float64Array): arrow.Data<arrow.TimestampMicrosecond> {
  const n = ms.length;
  const words = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const mHi = Math.floor(ms[i] / 4294967296);
    const lo = (ms[i] - mHi * 4294967296) * 1000; // < 2^42, exact
    const carry = Math.floor(lo / 4294967296);
    words[2 * i] = (lo - carry * 4294967296) | 0;
    words[2 * i + 1] = mHi * 1000 + carry;
  }
  const data = new BigInt64Array(words.buffer);
  return arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, data });
}

function encodeDay(
  ids: readonly string[],
  mp: Int32Array,
  time: Float64Array,
  milli: Float64Array,
  isNull: Uint8Array,
  quality: Uint8Array,
  now: number,
): Uint8Array {
  let anyNull = false;
  for (let i = 0; i < isNull.length; i++) {
    if (isNull[i]) {
      anyNull = true;
      break;
    }
  }
  // the file's dictionary holds only its own ids (a request may span many grid areas)
  const local = new Map<number, number>();
  const used: string[] = [];
  const codes = Int32Array.from(mp, (m) => {
    let c = local.get(m);
    if (c === undefined) {
      local.set(m, (c = used.length));
      used.push(ids[m]);
    }
    return c;
  });
  const cols: Record<string, arrow.Data> = {
    metering_point_id: dictionaryColumn(codes, used),
    quantity: decimal3Column(milli, anyNull ? isNull : undefined),
    quality: dictionaryColumn(Int32Array.from(quality), QUALITIES),
    observation_time: timestampMicrosColumn(time),
    registration_time: timestampMicrosColumn(new Float64Array(mp.length).fill(now)),
  };
  return parquetBytes(tableOf(cols));
}

function fileStamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** Groups by UTC observation date (stable counting sort) and writes one file per date and lake partition. */
async function writeDays(cols: PointColumns, store: BlobStore, now: Date, layout: LakeLayout): Promise<string[]> {
  const n = cols.length;
  let minDay = Infinity;
  let maxDay = -Infinity;
  const day = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = Math.floor(cols.time[i] / DAY_MS);
    day[i] = d;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }
  const span = maxDay - minDay + 1;
  const start = new Int32Array(span + 1);
  for (let i = 0; i < n; i++) start[day[i] - minDay + 1]++;
  for (let k = 0; k < span; k++) start[k + 1] += start[k];
  const pos = start.slice(0, span);
  const mp = new Int32Array(n);
  const time = new Float64Array(n);
  const milli = new Float64Array(n);
  const isNull = new Uint8Array(n);
  const quality = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = pos[day[i] - minDay]++;
    mp[j] = cols.mp[i];
    time[j] = cols.time[i];
    milli[j] = cols.milli[i];
    isNull[j] = cols.isNull[i];
    quality[j] = cols.quality[i];
  }

  const stamp = fileStamp(now);
  const requestId = randomUUID();
  const written: string[] = [];
  const pending: Array<Promise<void>> = [];
  let failure: { error: unknown } | null = null;
  for (let k = 0; k < span && failure === null; k++) {
    const a = start[k];
    const b = start[k + 1];
    if (a === b) continue;
    const date = new Date((minDay + k) * DAY_MS).toISOString().slice(0, 10);
    const dayMp = mp.subarray(a, b);
    const dayTime = time.subarray(a, b);
    // one file per grid area (exchange metering points' points apart) of the day: lake-layout.ts
    for (const { partition, rows } of layout.split(cols.ids, dayMp, dayTime, b - a)) {
      const path = `${timeSeriesPartitionPath(partition.gridArea, date)}/${timeSeriesFileName(partition, `ingest-${stamp}-${requestId}`)}`;
      const pick = <T extends Int32Array | Float64Array | Uint8Array>(src: T, make: (n: number) => T): T => {
        const out = make(rows.length);
        for (let i = 0; i < rows.length; i++) out[i] = src[a + rows[i]];
        return out;
      };
      const bytes = encodeDay(
        cols.ids,
        pick(mp, (n) => new Int32Array(n)),
        pick(time, (n) => new Float64Array(n)),
        pick(milli, (n) => new Float64Array(n)),
        pick(isNull, (n) => new Uint8Array(n)),
        pick(quality, (n) => new Uint8Array(n)),
        now.getTime(),
      );
      written.push(path);
      pending.push(
        store.put(path, bytes, PARQUET_CONTENT_TYPE).catch((error: unknown) => {
          failure ??= { error };
        }),
      );
    }
  }
  await Promise.all(pending);
  if (failure !== null) {
    // best effort: a failed put may have left a partial blob too, so delete every path of the request
    await Promise.allSettled(written.map((p) => store.delete(p)));
    throw (failure as { error: unknown }).error;
  }
  return written;
}

// ---------------------------------------------------------------- entry point

/**
 * Parses, validates (all or nothing) and writes the points; resolves once every file is durably
 * stored. `layout` (asked for only once the body is valid) places each point in its metering
 * point's grid area as of now (currentLakeLayout); see the file header for points of metering
 * points without master data.
 */
export async function ingestTimeSeries(
  body: Uint8Array,
  format: IngestFormat,
  store: BlobStore,
  now: Date,
  layout: () => Promise<LakeLayout>,
): Promise<IngestResult> {
  if (!Number.isFinite(now.getTime())) throw new RangeError('ingestTimeSeries: invalid `now`');
  if (body.length === 0) throw new ValidationError(BODY, null, null, 'the request body is empty');
  let cols: PointColumns;
  switch (format) {
    case 'parquet':
      cols = await parseParquet(body);
      break;
    case 'ndjson':
      cols = parseNdjson(body);
      break;
    case 'csv':
      cols = parseCsv(body);
      break;
    default:
      throw new ValidationError(BODY, null, null, `unknown format '${String(format)}'`);
  }
  if (cols.length === 0) throw new ValidationError(BODY, null, null, 'no time series points in the request body');
  rejectDuplicates(cols);
  const files = await writeDays(cols, store, now, await layout());
  return { points: cols.length, files };
}

/**
 * The lake layout as of `now`: the lake's master data overlaid with the integration events stored
 * by then (where ingestion places points). Reads the master data, not the time series.
 */
export async function currentLakeLayout(
  deps: { lake: Pick<BlobLake, 'view'>; events: BasisDataEvents },
  now: Date,
): Promise<LakeLayout> {
  const { source } = await deps.lake.view({ from: 0, to: 0 });
  return new LakeLayout(await new AsOfBasisDataSource(source, deps.events, now.getTime()).readMeteringPointPeriods());
}
