/**
 * The curated market data in the lake: Parquet rows `{source, area, interval_start_utc,
 * interval_minutes, value (decimal(18,6)), unit, fetched_at}`, one folder per (kind, source,
 * area, UTC month of the interval start) so a range read opens a few small files.
 *
 * Versions, not overwrites: a fetch stores only rows that are new or whose value differs from
 * the latest stored one (so re-fetching unchanged data writes nothing), each under its fetch
 * time. The latest version wins; an older one stays readable as of its fetch time.
 *
 * Writers never rewrite a file in place: each stores its delta under a unique name, and a
 * partition with many files is compacted into one new file before the merged ones are deleted.
 * Readers take the union of the files and de-duplicate by (unit, start, fetched_at), so
 * concurrent writers (timer and backfill) and a compaction racing a reader lose nothing.
 */
import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { parquetBytes, stringColumn, tableOf, timestampColumn } from '../basis-data/parquet/arrow-io';
import type { BlobStore } from '../storage/blob-store';
import { BlobNotFoundError } from '../storage/errors';
import { curatedPartition, utcMonth } from './lake-paths';
import type { MarketDataKind } from './market-series';
import type { MarketRows } from './rows';

/** A partition with more files than this is compacted after a write. */
export const COMPACT_AT_FILES = 8;

/** Stored rows of one partition, columnar, with their fetch times. */
export interface StoredRows {
  unit: string[];
  startMs: Float64Array;
  minutes: Int32Array;
  value: BigInt64Array;
  fetchedAtMs: Float64Array;
}

// ---- decimal(18,6) ⇄ BigInt64: Decimal128 is four little-endian 32-bit words; values fit int64

function decimal6Column(values: BigInt64Array): arrow.Data<arrow.Decimal> {
  const n = values.length;
  const words = new Uint32Array(n * 4);
  const halves = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    words[4 * i] = halves[2 * i];
    words[4 * i + 1] = halves[2 * i + 1];
    const ext = values[i] < 0n ? 0xffffffff : 0;
    words[4 * i + 2] = ext;
    words[4 * i + 3] = ext;
  }
  return arrow.makeData({ type: new arrow.Decimal(6, 18, 128), length: n, data: words });
}

function readDecimal6(d: arrow.Data, file: string): BigInt64Array {
  if (!arrow.DataType.isDecimal(d.type) || d.type.scale !== 6) throw new Error(`${file}: value is not decimal(18,6)`);
  const v = d.values as Uint32Array;
  const words = new Uint32Array(v.buffer, v.byteOffset + d.offset * 16, d.length * 4);
  const out = new BigInt64Array(d.length);
  const halves = new Uint32Array(out.buffer);
  for (let i = 0; i < d.length; i++) {
    halves[2 * i] = words[4 * i];
    halves[2 * i + 1] = words[4 * i + 1];
    const ext = out[i] < 0n ? 0xffffffff : 0;
    if (words[4 * i + 2] !== ext || words[4 * i + 3] !== ext)
      throw new Error(`${file}: row ${i}: value exceeds 64 bits`);
  }
  return out;
}

function int32Column(values: Int32Array): arrow.Data<arrow.Int32> {
  return arrow.makeData({ type: new arrow.Int32(), length: values.length, data: values });
}

function timestampMs(d: arrow.Data): Float64Array {
  const v = d.values as BigInt64Array;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(v[d.offset + i] / 1000n); // µs → ms
  return out;
}

function encode(source: string, area: string, rows: StoredRows): Uint8Array {
  const n = rows.startMs.length;
  return parquetBytes(
    tableOf({
      source: stringColumn(new Array<string>(n).fill(source)),
      area: stringColumn(new Array<string>(n).fill(area)),
      interval_start_utc: timestampColumn(rows.startMs),
      interval_minutes: int32Column(rows.minutes),
      value: decimal6Column(rows.value),
      unit: stringColumn(rows.unit),
      fetched_at: timestampColumn(rows.fetchedAtMs),
    }),
  );
}

/** One column's chunks, each converted by `part`, laid end to end. */
function concat<T extends Float64Array | Int32Array | BigInt64Array>(
  chunks: readonly arrow.Data[],
  out: T,
  part: (d: arrow.Data) => ArrayLike<number | bigint>,
): T {
  let o = 0;
  for (const d of chunks) {
    (out as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(part(d), o);
    o += d.length;
  }
  return out;
}

function decode(bytes: Uint8Array, file: string): StoredRows {
  const table = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  const col = (name: string): readonly arrow.Data[] => {
    const c = table.getChild(name);
    if (!c) throw new Error(`${file}: column ${name} missing`);
    return c.data as readonly arrow.Data[];
  };
  const n = table.numRows;
  const unit: string[] = [];
  for (const d of col('unit')) for (const s of arrow.makeVector(d) as arrow.Vector<arrow.Utf8>) unit.push(String(s));
  return {
    unit,
    startMs: concat(col('interval_start_utc'), new Float64Array(n), timestampMs),
    minutes: concat(col('interval_minutes'), new Int32Array(n), (d) =>
      (d.values as Int32Array).subarray(d.offset, d.offset + d.length),
    ),
    value: concat(col('value'), new BigInt64Array(n), (d) => readDecimal6(d, file)),
    fetchedAtMs: concat(col('fetched_at'), new Float64Array(n), timestampMs),
  };
}

const key = (unit: string, startMs: number) => `${unit}|${startMs}`;

/** UTC months whose partitions can hold interval starts in [fromMs, toMs). */
export function monthsOverlapping(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  const d = new Date(fromMs);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth();
  while (Date.UTC(y, m, 1) < toMs) {
    out.push(utcMonth(Date.UTC(y, m, 1)));
    if (++m === 12) {
      m = 0;
      y++;
    }
  }
  return out;
}

export interface UpsertResult {
  /** Rows stored (new intervals or revised values). */
  written: number;
  /** Rows that equalled the latest stored value (nothing stored). */
  unchanged: number;
}

export class MarketDataLake {
  constructor(readonly store: BlobStore) {}

  /** Every stored version of one partition (all files, de-duplicated). */
  async readPartition(kind: MarketDataKind, source: string, area: string, month: string): Promise<StoredRows> {
    const folder = curatedPartition(kind, source, area, month);
    for (let attempt = 0; ; attempt++) {
      try {
        const files = (await this.store.list(folder)).filter((p) => p.endsWith('.parquet'));
        const parts: StoredRows[] = [];
        for (const f of files) {
          const bytes = await this.store.get(f);
          if (!bytes) throw new BlobNotFoundError(this.store.container, f);
          parts.push(decode(bytes, f));
        }
        return dedupe(parts);
      } catch (e) {
        // a compaction deleted a file between our list and get: its rows are in the new file
        if (e instanceof BlobNotFoundError && attempt < 3) continue;
        throw e;
      }
    }
  }

  /**
   * Stores the rows fetched at `fetchedAtMs` that are new or differ from the latest stored
   * version (per area, unit and interval start).
   */
  async upsert(rows: MarketRows, fetchedAtMs: number): Promise<UpsertResult> {
    const groups = new Map<string, number[]>();
    for (let i = 0; i < rows.startMs.length; i++) {
      const g = `${rows.area[i]}\u0000${utcMonth(rows.startMs[i])}`;
      let list = groups.get(g);
      if (!list) groups.set(g, (list = []));
      list.push(i);
    }
    let written = 0;
    let unchanged = 0;
    for (const [g, idx] of groups) {
      const [area, month] = g.split('\u0000');
      const stored = await this.readPartition(rows.kind, rows.source, area, month);
      const latest = latestValues(stored, Infinity);
      const delta = idx.filter((i) => latest.get(key(rows.unit[i], rows.startMs[i])) !== rows.value[i]);
      unchanged += idx.length - delta.length;
      if (delta.length === 0) continue;
      const part: StoredRows = {
        unit: delta.map((i) => rows.unit[i]),
        startMs: Float64Array.from(delta, (i) => rows.startMs[i]),
        minutes: Int32Array.from(delta, (i) => rows.minutes[i]),
        value: BigInt64Array.from(delta, (i) => rows.value[i]),
        fetchedAtMs: new Float64Array(delta.length).fill(fetchedAtMs),
      };
      const folder = curatedPartition(rows.kind, rows.source, area, month);
      await this.putUnique(folder, 'part', fetchedAtMs, rows.source, area, part);
      written += delta.length;
      await this.compactIfNeeded(rows.kind, rows.source, area, month);
    }
    return { written, unchanged };
  }

  private async putUnique(
    folder: string,
    prefix: string,
    fetchedAtMs: number,
    source: string,
    area: string,
    rows: StoredRows,
  ): Promise<string> {
    const bytes = encode(source, area, rows);
    // time-ordered and content-addressed: two writers never pick the same name for different content
    const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const path = `${folder}${prefix}-${String(fetchedAtMs).padStart(15, '0')}-${sha}.parquet`;
    await this.store.put(path, bytes, 'application/vnd.apache.parquet');
    return path;
  }

  /** Merges a partition's files into one when it has many (one per fetch otherwise accumulates). */
  async compactIfNeeded(kind: MarketDataKind, source: string, area: string, month: string): Promise<boolean> {
    const folder = curatedPartition(kind, source, area, month);
    const files = (await this.store.list(folder)).filter((p) => p.endsWith('.parquet'));
    if (files.length <= COMPACT_AT_FILES) return false;
    const parts: StoredRows[] = [];
    for (const f of files) {
      const bytes = await this.store.get(f);
      if (!bytes) return false; // another compaction is under way; it will finish the job
      parts.push(decode(bytes, f));
    }
    const all = dedupe(parts);
    const newest = all.fetchedAtMs.reduce((m, x) => Math.max(m, x), 0);
    const merged = await this.putUnique(folder, 'compact', newest, source, area, all);
    // only the files merged above: a delta written since then stays
    for (const f of files) if (f !== merged) await this.store.delete(f);
    return true;
  }
}

/** Union of parts without duplicate (unit, start, fetched_at) versions, sorted by start, unit, fetch time. */
function dedupe(parts: StoredRows[]): StoredRows {
  const seen = new Map<string, [number, number]>();
  parts.forEach((p, pi) => {
    for (let i = 0; i < p.startMs.length; i++) seen.set(`${key(p.unit[i], p.startMs[i])}|${p.fetchedAtMs[i]}`, [pi, i]);
  });
  const order = [...seen.values()].sort(([pa, ia], [pb, ib]) => {
    const a = parts[pa];
    const b = parts[pb];
    return (
      a.startMs[ia] - b.startMs[ib] ||
      (a.unit[ia] < b.unit[ib] ? -1 : a.unit[ia] > b.unit[ib] ? 1 : 0) ||
      a.fetchedAtMs[ia] - b.fetchedAtMs[ib]
    );
  });
  return {
    unit: order.map(([p, i]) => parts[p].unit[i]),
    startMs: Float64Array.from(order, ([p, i]) => parts[p].startMs[i]),
    minutes: Int32Array.from(order, ([p, i]) => parts[p].minutes[i]),
    value: BigInt64Array.from(order, ([p, i]) => parts[p].value[i]),
    fetchedAtMs: Float64Array.from(order, ([p, i]) => parts[p].fetchedAtMs[i]),
  };
}

/** Latest value per (unit, start) among versions fetched at or before `asOfMs`. */
export function latestValues(rows: StoredRows, asOfMs: number): Map<string, bigint> {
  const best = new Map<string, { at: number; value: bigint }>();
  for (let i = 0; i < rows.startMs.length; i++) {
    if (rows.fetchedAtMs[i] > asOfMs) continue;
    const k = key(rows.unit[i], rows.startMs[i]);
    const b = best.get(k);
    if (!b || rows.fetchedAtMs[i] >= b.at) best.set(k, { at: rows.fetchedAtMs[i], value: rows.value[i] });
  }
  return new Map([...best].map(([k, v]) => [k, v.value]));
}
