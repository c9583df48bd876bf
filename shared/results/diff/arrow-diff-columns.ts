/**
 * Arrow record batches of result files as the diff kernel's columns (diff-kernel.ts), read from
 * the buffers: dictionary keys are mapped to the kernel's interned ids once per dictionary entry
 * (not per row), timestamps and Decimal128 words are read as integers without a BigInt per row.
 * `vector.get(i)` builds an object or a BigInt per call and would dominate a benchmark-size diff.
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { InvariantError } from '../../domain/errors';
import type { ArrowColumns } from '../energy-parquet';
import { textCells } from '../arrow-cells';
import { arrowTypeName, arrowValueText, wasmBuffer } from '../../basis-data/parquet/arrow-io';
import { parseTable } from 'arrow-js-ffi';
import type { DiffSpec } from './diff-spec';
import type { GridAreaDiff } from './diff-kernel';
import { FAST_LIMIT } from './exact';

const TWO_32 = 0x1_0000_0000;

/** The columns a diff reads from a result file (Parquet column projection: the rest is never decoded). */
export const diffColumnsOf = (spec: DiffSpec): string[] => [
  ...spec.keyColumns,
  'time',
  spec.valueColumn,
  ...(spec.secondaryColumn ? [spec.secondaryColumn] : []),
];

function single(vector: arrow.Vector, column: string): arrow.Data {
  if (vector.data.length !== 1) throw new InvariantError(`column ${column}: expected one chunk per record batch`);
  return vector.data[0] as arrow.Data;
}

/**
 * A key column's per-row codes and what they stand for: `codes[i]` indexes `ids` (the kernel's
 * interned ids), -1 for null. A dictionary column without nulls uses its own key buffer as the
 * codes (no per-row work here); with nulls, or without a dictionary, codes are computed per row.
 */
interface KeyColumn {
  codes: ArrayLike<number>;
  ids: Int32Array;
}

function keyColumn(vector: arrow.Vector | null, n: number, diff: GridAreaDiff, column: string): KeyColumn {
  if (!vector) return { codes: new Int32Array(n).fill(-1), ids: new Int32Array(0) }; // absent = null
  const data = single(vector, column);
  if (arrow.DataType.isDictionary(data.type) && data.dictionary) {
    const ids = Int32Array.from(data.dictionary.toArray() as ArrayLike<unknown>, (s) =>
      diff.intern(s === null || s === undefined ? null : arrowValueText(s)),
    );
    const keys = data.values as ArrayLike<number>;
    if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return { codes: keys, ids };
    const codes = new Int32Array(n);
    const bitmap = data.nullBitmap;
    for (let i = 0; i < n; i++) {
      const at = data.offset + i;
      codes[i] = (bitmap[at >> 3] & (1 << (at & 7))) !== 0 ? keys[i] : -1;
    }
    return { codes, ids };
  }
  const cell = textCells(vector);
  const texts: number[] = [];
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = cell(i);
    codes[i] = t === null ? -1 : texts.push(diff.intern(t)) - 1;
  }
  return { codes, ids: Int32Array.from(texts) };
}

/** A timestamp column as epoch milliseconds into out[start…]. */
function times(vector: arrow.Vector | null, n: number, out: Float64Array, start: number): void {
  if (!vector) throw new InvariantError('result file without a time column');
  const data = single(vector, 'time');
  const values = data.values as ArrayBufferView | undefined;
  if (
    !arrow.DataType.isTimestamp(data.type) ||
    data.type.unit === arrow.TimeUnit.NANOSECOND ||
    !values ||
    values.buffer.byteLength < values.byteOffset + 8 * n
  ) {
    for (let i = 0; i < n; i++) out[start + i] = Number(vector.get(i));
    return;
  }
  const unit = data.type.unit;
  // the int64 words, whatever typed array the reader chose to view them with (arrow-js-ffi:
  // Int32Array pairs; an IPC read: BigInt64Array) — no BigInt per row
  const words = new Int32Array(values.buffer, values.byteOffset, n * 2);
  // integer factors only (1/1000 is not exact in binary)
  const times1000 = unit === arrow.TimeUnit.SECOND;
  const div = unit === arrow.TimeUnit.MICROSECOND ? 1000 : 1;
  for (let i = 0; i < n; i++) {
    // two's complement int64 as hi·2^32 + unsigned lo: exact below 2^53 (µs until year 2255)
    const raw = words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0);
    out[start + i] = times1000 ? raw * 1000 : raw / div;
  }
}

/**
 * A Decimal128 column at `scale` as scaled integers into out[start…] (NaN: null, or a value
 * beyond 2^52, which goes to `big` under its row index).
 */
function decimals(
  vector: arrow.Vector | null,
  n: number,
  scale: number,
  column: string,
  out: Float64Array,
  start: number,
  big: Map<number, bigint>,
): void {
  out.fill(Number.NaN, start, start + n);
  if (!vector) return;
  const data = single(vector, column);
  if (!arrow.DataType.isDecimal(data.type) || !(data.values instanceof Uint32Array))
    throw new InvariantError(`column ${column}: expected Decimal128, found ${arrowTypeName(data.type)}`);
  if (data.type.scale !== scale)
    throw new InvariantError(`column ${column}: expected scale ${scale}, found ${data.type.scale}`);
  // arrow-js-ffi (0.4) views a Decimal128 buffer with one word per row instead of four; read
  // without a copy, the view lies on wasm memory that holds all four, so it is widened here
  const w =
    data.values.length === 4 * n ? data.values : new Uint32Array(data.values.buffer, data.values.byteOffset, 4 * n);
  const bitmap = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
  for (let i = 0; i < n; i++) {
    if (bitmap) {
      const at = data.offset + i;
      if ((bitmap[at >> 3] & (1 << (at & 7))) === 0) continue;
    }
    const k = 4 * i;
    const w1 = w[k + 1];
    const w2 = w[k + 2];
    const w3 = w[k + 3];
    if (w2 === 0 && w3 === 0 && w1 < 0x10_0000)
      out[start + i] = w1 * TWO_32 + w[k]; // 0 ≤ v < 2^52
    else if (w2 === 0xffffffff && w3 === 0xffffffff && w1 >= 0xfff0_0000)
      out[start + i] = (w1 - TWO_32) * TWO_32 + w[k]; // −2^52 ≤ v < 0
    else {
      const v = BigInt.asIntN(128, BigInt(w[k]) | (BigInt(w1) << 32n) | (BigInt(w2) << 64n) | (BigInt(w3) << 96n));
      if (v >= -BigInt(FAST_LIMIT) && v <= BigInt(FAST_LIMIT)) out[start + i] = Number(v);
      else big.set(start + i, v);
    }
  }
}

/** One record batch of a result file into the kernel: decoded straight into the side's arrays. */
export function appendArrowBatch(diff: GridAreaDiff, side: 0 | 1, batch: ArrowColumns & { numRows: number }): void {
  const spec = diff.spec;
  const n = batch.numRows;
  const keys = spec.keyColumns.map((c) => keyColumn(batch.getChild(c), n, diff, c));
  const { rows, start } = diff.rowsFor(side, n);
  // a series' rows are together in a file: its key is looked up once per run of equal codes;
  // runs are found column by column (tight loops over one Int32Array each), not row by row
  const runStart = new Uint8Array(n);
  if (n > 0) runStart[0] = 1;
  for (const { codes } of keys) {
    const c = codes instanceof Int32Array ? codes : Int32Array.from(codes);
    for (let i = 1; i < n; i++) if (c[i] !== c[i - 1]) runStart[i] = 1;
  }
  const key = new Int32Array(keys.length);
  let series = -1;
  for (let i = 0; i < n; i++) {
    if (runStart[i] === 1) {
      for (let k = 0; k < keys.length; k++) {
        const c = keys[k].codes[i];
        key[k] = c < 0 ? -1 : keys[k].ids[c];
      }
      series = diff.seriesOf(side, key);
    }
    rows.series[start + i] = series;
  }
  times(batch.getChild('time'), n, rows.time, start);
  decimals(batch.getChild(spec.valueColumn), n, spec.scale, spec.valueColumn, rows.value, start, rows.bigValue);
  if (spec.secondaryColumn && rows.secondary)
    decimals(
      batch.getChild(spec.secondaryColumn),
      n,
      3,
      spec.secondaryColumn,
      rows.secondary,
      start,
      rows.bigSecondary,
    );
}

/**
 * Appends one side's result file (Parquet bytes) to the kernel, a row group at a time and only
 * the diff's columns; `between` runs after each row group (the host yields to its event loop).
 *
 * Each row group is decoded synchronously (readParquet) and read zero-copy from wasm memory
 * (arrow-js-ffi): the columns are copied into the kernel's arrays before any other parquet-wasm
 * call can run, and the FFI table is freed right after. The async ParquetFile reader with an
 * IPC copy per row group spent most of a diff waiting and copying.
 */
export async function appendParquetFile(
  diff: GridAreaDiff,
  side: 0 | 1,
  bytes: Uint8Array,
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  let groups: number;
  try {
    const meta = file.metadata();
    groups = meta.numRowGroups();
    meta.free();
  } finally {
    file.free();
  }
  // every result file (job batches, monthly files, CLI outputs) has all of the kind's columns
  const columns = diffColumnsOf(diff.spec);
  for (let g = 0; g < groups; g++) {
    const ffi = pw.readParquet(bytes, { rowGroups: [g], columns, batchSize: READ_BATCH_ROWS }).intoFFI();
    try {
      const table = parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), false);
      for (const batch of table.batches) appendArrowBatch(diff, side, batch);
    } finally {
      ffi.free();
    }
    await between();
  }
}

/** Batch size of a decoded row group: one record batch per row group of our files. */
const READ_BATCH_ROWS = 1 << 20;
