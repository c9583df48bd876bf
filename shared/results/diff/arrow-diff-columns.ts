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
import { arrowTypeName, arrowValueText } from '../../basis-data/parquet/arrow-io';
import type { DiffSpec } from './diff-spec';
import type { DiffColumns, GridAreaDiff, ValueColumn } from './diff-kernel';
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

const validAt = (data: arrow.Data) => {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return null;
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  return (i: number) => {
    const at = offset + i;
    return (bitmap[at >> 3] & (1 << (at & 7))) !== 0;
  };
};

/** A string column as interned ids (-1 for null). */
function keyIds(vector: arrow.Vector | null, n: number, diff: GridAreaDiff, column: string): Int32Array {
  const out = new Int32Array(n);
  if (!vector) return out.fill(-1); // a column the file lacks is null in every row
  const data = single(vector, column);
  if (arrow.DataType.isDictionary(data.type) && data.dictionary) {
    const ids = Int32Array.from(data.dictionary.toArray() as ArrayLike<unknown>, (s) =>
      diff.intern(s === null || s === undefined ? null : arrowValueText(s)),
    );
    const keys = data.values as ArrayLike<number>;
    const valid = validAt(data);
    for (let i = 0; i < n; i++) out[i] = valid && !valid(i) ? -1 : ids[keys[i]];
    return out;
  }
  const cell = textCells(vector);
  for (let i = 0; i < n; i++) out[i] = diff.intern(cell(i));
  return out;
}

/** A timestamp column as epoch milliseconds. */
function times(vector: arrow.Vector | null, n: number): Float64Array {
  if (!vector) throw new InvariantError('result file without a time column');
  const data = single(vector, 'time');
  const out = new Float64Array(n);
  if (!arrow.DataType.isTimestamp(data.type) || !(data.values instanceof BigInt64Array)) {
    for (let i = 0; i < n; i++) out[i] = Number(vector.get(i));
    return out;
  }
  const unit = data.type.unit;
  const words = new Int32Array(data.values.buffer, data.values.byteOffset, n * 2);
  const perMs = unit === arrow.TimeUnit.SECOND ? 1 / 1000 : unit === arrow.TimeUnit.MILLISECOND ? 1 : 1000;
  for (let i = 0; i < n; i++) {
    // two's complement int64 as hi·2^32 + unsigned lo: exact below 2^53 (µs until year 2255)
    const raw = words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0);
    out[i] = unit === arrow.TimeUnit.NANOSECOND ? Number(data.values[i] / 1_000_000n) : raw / perMs;
  }
  return out;
}

/** A Decimal128 column at `scale` as scaled integers (ValueColumn: NaN = big or null). */
function decimals(vector: arrow.Vector | null, n: number, scale: number, column: string): ValueColumn {
  const small = new Float64Array(n).fill(Number.NaN);
  const big = new Map<number, bigint>();
  if (!vector) return { small, big };
  const data = single(vector, column);
  if (!arrow.DataType.isDecimal(data.type) || !(data.values instanceof Uint32Array))
    throw new InvariantError(`column ${column}: expected Decimal128, found ${arrowTypeName(data.type)}`);
  if (data.type.scale !== scale)
    throw new InvariantError(`column ${column}: expected scale ${scale}, found ${data.type.scale}`);
  const w = data.values;
  const valid = validAt(data);
  for (let i = 0; i < n; i++) {
    if (valid && !valid(i)) continue;
    const k = 4 * i;
    const [w0, w1, w2, w3] = [w[k], w[k + 1], w[k + 2], w[k + 3]];
    if (w2 === 0 && w3 === 0 && w1 < 0x10_0000)
      small[i] = w1 * TWO_32 + w0; // 0 ≤ v < 2^52
    else if (w2 === 0xffffffff && w3 === 0xffffffff && w1 >= 0xfff0_0000)
      small[i] = (w1 - TWO_32) * TWO_32 + w0; // −2^52 ≤ v < 0
    else {
      const v = BigInt.asIntN(128, BigInt(w0) | (BigInt(w1) << 32n) | (BigInt(w2) << 64n) | (BigInt(w3) << 96n));
      if (v >= -BigInt(FAST_LIMIT) && v <= BigInt(FAST_LIMIT)) small[i] = Number(v);
      else big.set(i, v);
    }
  }
  return { small, big };
}

/** One record batch of a result file as the kernel's columns. */
export function arrowDiffColumns(diff: GridAreaDiff, batch: ArrowColumns & { numRows: number }): DiffColumns {
  const spec = diff.spec;
  const n = batch.numRows;
  return {
    length: n,
    keys: spec.keyColumns.map((c) => keyIds(batch.getChild(c), n, diff, c)),
    time: times(batch.getChild('time'), n),
    value: decimals(batch.getChild(spec.valueColumn), n, spec.scale, spec.valueColumn),
    secondary: spec.secondaryColumn
      ? decimals(batch.getChild(spec.secondaryColumn), n, 3, spec.secondaryColumn)
      : undefined,
  };
}

/** Batch size of a decoded row group: one record batch per row group of our files. */
const READ_BATCH_ROWS = 1 << 20;

/**
 * Appends one side's result file (Parquet bytes) to the kernel, a row group at a time and only
 * the diff's columns; `between` runs after each row group (the host yields to its event loop).
 */
export async function appendParquetFile(
  diff: GridAreaDiff,
  side: 0 | 1,
  bytes: Uint8Array,
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  try {
    const meta = file.metadata();
    const groups = meta.numRowGroups();
    meta.free();
    // every result file (job batches, monthly files, CLI outputs) has all of the kind's columns
    const columns = diffColumnsOf(diff.spec);
    for (let g = 0; g < groups; g++) {
      const table = arrow.tableFromIPC(
        (await file.read({ rowGroups: [g], columns, batchSize: READ_BATCH_ROWS })).intoIPCStream(),
      );
      for (const batch of table.batches) diff.append(side, arrowDiffColumns(diff, batch));
      await between();
    }
  } finally {
    file.free();
  }
}
