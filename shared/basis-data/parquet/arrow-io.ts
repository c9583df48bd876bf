/**
 * Parquet ⇄ Arrow with parquet-wasm. Reading uses the FFI zero-copy path one row group at a
 * time (the fastest reader measured on this machine, ../shared/reference/parquet-bench.md);
 * the Arrow views are only valid until the next parquet-wasm call, so callers must finish with
 * a batch inside the callback. Writing goes Arrow → IPC → parquet-wasm.
 */
import { openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm';

/** parquet-wasm's linear memory (its typings name WebAssembly.Memory, which this lib setting does not declare). */
export const wasmBuffer = (): ArrayBuffer => (pw.wasmMemory() as { buffer: ArrayBuffer }).buffer;

export const READ_BATCH_ROWS = 1 << 21;

export interface RowGroupBatch {
  batch: arrow.RecordBatch;
  /** 0-based index of the batch's first row within the file. */
  firstRow: number;
}

/** Streams a local Parquet file row group by row group as zero-copy Arrow record batches. */
export async function forEachParquetBatch(
  path: string,
  columns: readonly string[] | null,
  onBatch: (b: RowGroupBatch) => void,
): Promise<void> {
  const file = await pw.ParquetFile.fromFile(await openAsBlob(path));
  try {
    const meta = file.metadata();
    const groups = meta.numRowGroups();
    let firstRow = 0;
    for (let g = 0; g < groups; g++) {
      const rgRows = meta.rowGroup(g).numRows();
      const table = await file.read({
        rowGroups: [g],
        batchSize: READ_BATCH_ROWS,
        ...(columns ? { columns: [...columns] } : {}),
      });
      const ffi = table.intoFFI();
      try {
        const t = parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), false);
        let row = firstRow;
        for (const batch of t.batches) {
          onBatch({ batch, firstRow: row });
          row += batch.numRows;
        }
      } finally {
        ffi.free();
      }
      firstRow += rgRows;
    }
    meta.free();
  } finally {
    file.free();
  }
}

/** Reads a small Parquet file fully into a copied (safe to keep) Arrow table. */
export async function readParquetTable(path: string): Promise<arrow.Table> {
  const file = await pw.ParquetFile.fromFile(await openAsBlob(path));
  try {
    const table = await file.read({ batchSize: READ_BATCH_ROWS });
    const ffi = table.intoFFI();
    try {
      return parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), true);
    } finally {
      ffi.free();
    }
  } finally {
    file.free();
  }
}

export function parquetBytes(
  table: arrow.Table,
  rowGroupRows = 1_000_000,
  tune?: (props: pw.WriterPropertiesBuilder) => pw.WriterPropertiesBuilder,
): Uint8Array {
  const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  let builder = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).setMaxRowGroupSize(rowGroupRows);
  if (tune) builder = tune(builder);
  return pw.writeParquet(wasmTable, builder.build()); // consumes wasmTable and props
}

export async function writeParquetFile(path: string, table: arrow.Table, rowGroupRows?: number): Promise<void> {
  await writeFile(path, parquetBytes(table, rowGroupRows));
}

// ---- column builders (no vectorFromArray for big string columns: it is slow, see parquet-bench.md)

/** Dictionary<Int32, Utf8> column from integer codes into `dictionary`; code -1 = null. */
export function dictionaryColumn(
  codes: Int32Array,
  dictionary: readonly string[],
): arrow.Data<arrow.Dictionary<arrow.Utf8, arrow.Int32>> {
  const hasNull = codes.some((c) => c < 0);
  const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), undefined, false);
  const dictVector = arrow.vectorFromArray([...dictionary], new arrow.Utf8());
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (hasNull) {
    nullBitmap = new Uint8Array((codes.length + 7) >> 3);
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] >= 0) nullBitmap[i >> 3] |= 1 << (i & 7);
      else nullCount++;
    }
  }
  const data = hasNull ? Int32Array.from(codes, (c) => (c < 0 ? 0 : c)) : codes;
  return arrow.makeData({ type, length: codes.length, data, nullBitmap, nullCount, dictionary: dictVector });
}

/** Nullable Utf8 column for small tables. */
export function stringColumn(values: readonly (string | null)[]): arrow.Data<arrow.Utf8> {
  return arrow.vectorFromArray([...values], new arrow.Utf8()).data[0];
}

/**
 * Non-null Utf8 column for big tables: offsets and bytes written directly (vectorFromArray's
 * builder costs ~10× more per value; a compaction writes a million short strings per column).
 */
export function utf8Column(values: readonly string[]): arrow.Data<arrow.Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let bound = 0;
  for (let i = 0; i < n; i++) bound += values[i].length * 3; // UTF-16 unit → at most 3 UTF-8 bytes
  const bytes = Buffer.allocUnsafe(bound);
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += bytes.write(values[i], at, 'utf8');
    offsets[i + 1] = at;
  }
  return arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets, data: bytes.subarray(0, at) });
}

/**
 * A Utf8 column's values as strings (null → null). ASCII data (ids, codes, ISO times, decimals) is
 * decoded once per chunk and sliced, instead of one TextDecoder call per value.
 */
export function utf8Values(col: arrow.Vector | null): Array<string | null> {
  if (!col) return [];
  const out: Array<string | null> = new Array<string | null>(col.length);
  let r = 0;
  for (const data of col.data) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const from = offsets[data.offset];
    const to = offsets[data.offset + data.length];
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let ascii = true;
    for (let b = from; b < to; b++)
      if (bytes[b] >= 0x80) {
        ascii = false;
        break;
      }
    const text = ascii ? buf.toString('latin1', from, to) : '';
    for (let i = 0; i < data.length; i++, r++) {
      if (!data.getValid(i)) {
        out[r] = null;
        continue;
      }
      const s = offsets[data.offset + i];
      const e = offsets[data.offset + i + 1];
      out[r] = ascii ? text.slice(s - from, e - from) : buf.toString('utf8', s, e);
    }
  }
  return out;
}

/** Timestamp(µs, UTC) column from epoch milliseconds; NaN = null. */
export function timestampColumn(ms: Float64Array): arrow.Data<arrow.TimestampMicrosecond> {
  const n = ms.length;
  const data = new BigInt64Array(n);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(ms[i])) {
      nullBitmap ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      nullBitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
    } else data[i] = BigInt(ms[i]) * 1000n;
  }
  return arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, data, nullBitmap, nullCount });
}

/** Decimal128(18, 3) column from integer milli-units; `isNull[i]` marks nulls. */
export function decimal3Column(milli: Float64Array, isNull?: Uint8Array): arrow.Data<arrow.Decimal> {
  const n = milli.length;
  const words = new Uint32Array(n * 4);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isNull && isNull[i]) {
      nullBitmap ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      nullBitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
      continue;
    }
    const v = milli[i];
    const lo = v >= 0 ? v % 0x1_0000_0000 : (0x1_0000_0000 + (v % 0x1_0000_0000)) % 0x1_0000_0000;
    const hi = Math.floor(v / 0x1_0000_0000);
    words[i * 4] = lo;
    words[i * 4 + 1] = hi >>> 0;
    const ext = v < 0 ? 0xffffffff : 0;
    words[i * 4 + 2] = ext;
    words[i * 4 + 3] = ext;
  }
  return arrow.makeData({ type: new arrow.Decimal(3, 18, 128), length: n, data: words, nullBitmap, nullCount });
}

export function tableOf(columns: Record<string, arrow.Data>): arrow.Table {
  const vectors: Record<string, arrow.Vector> = {};
  for (const [k, d] of Object.entries(columns)) vectors[k] = arrow.makeVector(d);
  return new arrow.Table(vectors);
}

/**
 * The name of an Arrow data type for messages ('Timestamp<MICROSECOND>', 'Utf8'): apache-arrow's
 * DataType classes override toString at runtime, but their typings do not declare it.
 */
export function arrowTypeName(t: arrow.DataType): string {
  return (t as unknown as { toString(): string }).toString();
}

/**
 * A non-null Arrow cell as text, exactly as String() writes it: primitives as themselves, Arrow's
 * value objects (decimals as BN, structs) through their own toPrimitive/toString.
 */
export function arrowValueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return String(v);
}
