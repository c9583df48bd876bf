/**
 * Generic series in the lake (PUT/GET /api/series/{name}): Parquet partitioned by series and UTC
 * date, `series/name={name}/date=YYYY-MM-DD/part-{writtenAtMs}-{id}.parquet` (columns `time`
 * timestamp(µs, UTC), `value` DECIMAL(18,6), `tags` dictionary text `k1=v1,k2=v2`), plus
 * `series/name={name}/_series.json` with the unit.
 *
 * - A write adds files and never rewrites one; a point written again (same time and tags)
 *   replaces the older one when read (the later part wins: part names sort by write time).
 * - Reads list the series' date partitions overlapping the range and decode each blob version
 *   once (an in-process cache keyed by path and etag, bounded in points), so a repeated query
 *   costs a listing plus the merge and the bucketing.
 */
import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm';
import { SERIES_LAKE_PATHS } from '../basis-data/parquet/lake';
import { ValidationError } from '../basis-data/errors';
import { dictionaryColumn, parquetBytes, tableOf, wasmBuffer } from '../basis-data/parquet/arrow-io';
import { timestampMsColumn } from '../basis-data/parquet/columns';
import { partitionDates } from '../basis-data/parquet/lake';
import { DAY_MS } from '../domain/time';
import type { BlobStore } from '../storage/blob-store';
import type { PointSeries } from './bucket';
import type { SeriesPoints } from './series-input';

export const SERIES_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** Names the read-through series use (routes series/meteringpoint/…, series/results/…). */
export const RESERVED_SERIES_NAMES = new Set(['meteringpoint', 'results']);

export interface SeriesMeta {
  unit: string;
}

const root = (name: string) => `${SERIES_LAKE_PATHS.series}/name=${name}/`;
const metaPath = (name: string) => `${root(name)}_series.json`;

export async function readSeriesMeta(store: Pick<BlobStore, 'get'>, name: string): Promise<SeriesMeta | null> {
  const b = await store.get(metaPath(name));
  return b ? (JSON.parse(b.toString('utf8')) as SeriesMeta) : null;
}

/**
 * Decimal128(18, 6) column of the rows `idx` of `v` (values × 10^6); present[row] = 0 marks a
 * null. Copies 32-bit words (the low 64 bits and their sign extension): no BigInt per row.
 */
function decimal6Column(v: BigInt64Array, present: Uint8Array, idx: Int32Array): arrow.Data<arrow.Decimal> {
  const n = idx.length;
  const src = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  const words = new Int32Array(n * 4);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    if (present[i] === 0) {
      nullBitmap ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      nullBitmap[k >> 3] &= ~(1 << (k & 7));
      nullCount++;
      continue;
    }
    const lo = src[2 * i]; // little-endian: low word first
    const hi = src[2 * i + 1];
    const ext = hi >> 31;
    words[4 * k] = lo;
    words[4 * k + 1] = hi;
    words[4 * k + 2] = ext;
    words[4 * k + 3] = ext;
  }
  const data = new Uint32Array(words.buffer);
  return arrow.makeData({ type: new arrow.Decimal(6, 18, 128), length: n, data, nullBitmap, nullCount });
}

/** Timestamp(µs, UTC) of the rows `idx` of `ms`: µs of 2000–2100 stay below 2^53, so doubles split exactly into words. */
function timestampMicrosColumn(ms: Float64Array, idx: Int32Array): arrow.Data<arrow.TimestampMicrosecond> {
  const n = idx.length;
  const words = new Uint32Array(n * 2);
  for (let k = 0; k < n; k++) {
    const us = ms[idx[k]] * 1000;
    const hi = Math.floor(us / 4294967296);
    words[2 * k] = us - hi * 4294967296;
    words[2 * k + 1] = hi >>> 0;
  }
  return arrow.makeData({
    type: new arrow.TimestampMicrosecond('UTC'),
    length: n,
    data: new BigInt64Array(words.buffer),
  });
}

/**
 * Writer settings of series files, chosen by measurement (bench:series write; 365 day files of
 * 57 series): times are ascending steps, so delta encoding beats a dictionary of all-distinct
 * values (a quarter of the encode time, a fraction of the size); values are mostly distinct too;
 * statistics per column chunk (min/max of a day's file) instead of per page.
 */
function seriesWriterProperties(b: pw.WriterPropertiesBuilder): pw.WriterPropertiesBuilder {
  return b
    .setColumnDictionaryEnabled('time', false)
    .setColumnEncoding('time', pw.Encoding.DELTA_BINARY_PACKED)
    .setColumnDictionaryEnabled('value', false)
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk);
}

/** Writes the points (validated) into the series' date partitions; 200 only after every put. */
export async function writeSeries(
  store: BlobStore,
  name: string,
  p: SeriesPoints,
  now: Date,
): Promise<{ points: number; files: string[]; unit: string }> {
  const meta = await readSeriesMeta(store, name);
  const unit = p.unit ?? meta?.unit ?? null;
  if (unit === null)
    throw new ValidationError('(body)', null, 'unit', 'a new series needs a unit (?unit= or a unit field)');
  if (meta && meta.unit !== unit)
    throw new ValidationError('(body)', null, 'unit', `the series is in ${meta.unit}, not ${unit}`);
  // group rows by UTC date: a counting sort keeps each day's rows in input order
  const n = p.length;
  const day = new Int32Array(n);
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let i = 0; i < n; i++) {
    const d = Math.floor(p.startMs[i] / DAY_MS);
    day[i] = d;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }
  const files: string[] = [];
  if (n === 0) return { points: 0, files, unit };
  const counts = new Int32Array(maxDay - minDay + 2);
  for (let i = 0; i < n; i++) counts[day[i] - minDay + 1]++;
  for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
  const order = new Int32Array(n);
  const at = counts.slice();
  for (let i = 0; i < n; i++) order[at[day[i] - minDay]++] = i;
  const stamp = String(now.getTime()).padStart(15, '0');
  const puts: Array<Promise<void>> = [];
  for (let d = 0; d < counts.length - 1; d++) {
    const lo = counts[d];
    const hi = counts[d + 1];
    if (hi === lo) continue;
    const idx = order.subarray(lo, hi);
    const tag = new Int32Array(idx.length);
    for (let k = 0; k < idx.length; k++) tag[k] = p.tag[idx[k]];
    const date = new Date((minDay + d) * DAY_MS).toISOString().slice(0, 10);
    const path = `${root(name)}date=${date}/part-${stamp}-${randomUUID().slice(0, 8)}.parquet`;
    const bytes = parquetBytes(
      tableOf({
        time: timestampMicrosColumn(p.startMs, idx),
        value: decimal6Column(p.value, p.present, idx),
        tags: dictionaryColumn(tag, p.tagSets),
      }),
      undefined,
      seriesWriterProperties,
    );
    files.push(path);
    puts.push(store.put(path, bytes, 'application/vnd.apache.parquet'));
  }
  await Promise.all(puts);
  if (!meta) await store.put(metaPath(name), JSON.stringify({ unit } satisfies SeriesMeta), 'application/json');
  return { points: n, files, unit };
}

interface Part {
  t: Float64Array;
  v: BigInt64Array;
  present: Uint8Array;
  tag: Int32Array;
  tagSets: string[];
}

/** Decoded parts by path@etag, bounded in points (oldest dropped first). */
const partCache = new Map<string, Part>();
let cachedPoints = 0;
const MAX_CACHED_POINTS = 20_000_000;

function decodePart(bytes: Uint8Array, file: string): Part {
  const ffi = pw.readParquet(bytes).intoFFI();
  try {
    const table = parseTable(wasmBuffer(), ffi.arrayAddrs(), ffi.schemaAddr(), false);
    const n = table.numRows;
    const part: Part = {
      t: new Float64Array(n),
      v: new BigInt64Array(n),
      present: new Uint8Array(n),
      tag: new Int32Array(n),
      tagSets: [],
    };
    let offset = 0;
    const sets = new Map<string, number>();
    for (const batch of table.batches) {
      const m = batch.numRows;
      const col = (c: string): arrow.Data => (batch.getChild(c) as arrow.Vector<arrow.DataType>).data[0];
      timestampMsColumn(col('time'), part.t.subarray(offset, offset + m), file, offset, 'time');
      const vd = col('value');
      const words = vd.values as Uint32Array;
      const lanes = new BigInt64Array(words.buffer, words.byteOffset + vd.offset * 16, m * 2);
      const bm = vd.nullBitmap;
      for (let i = 0; i < m; i++) {
        const ok = !bm || bm.length === 0 || ((bm[(vd.offset + i) >> 3] >> ((vd.offset + i) & 7)) & 1) === 1;
        part.present[offset + i] = ok ? 1 : 0;
        part.v[offset + i] = ok ? lanes[2 * i] : 0n;
      }
      // dictionary codes → this part's tag set numbers, once per dictionary entry
      const td = col('tags');
      const dict = td.dictionary as arrow.Vector;
      const map = new Int32Array(dict.length);
      for (let k = 0; k < dict.length; k++) {
        const text = String(dict.get(k));
        let c = sets.get(text);
        if (c === undefined) sets.set(text, (c = sets.size));
        map[k] = c;
      }
      const codes = td.values as Int32Array;
      for (let i = 0; i < m; i++) part.tag[offset + i] = map[codes[td.offset + i]];
      offset += m;
    }
    part.tagSets = [...sets.keys()];
    return part;
  } finally {
    ffi.free();
  }
}

/** `tags=k:v,k2:v2` as required pairs; a row matches when its tags hold all of them. */
export type TagFilter = ReadonlyArray<[string, string]>;

const tagMatches = (tagSet: string, filter: TagFilter): boolean => {
  if (filter.length === 0) return true;
  const pairs = new Set(tagSet === '' ? [] : tagSet.split(','));
  return filter.every(([k, v]) => pairs.has(`${k}=${v}`));
};

/**
 * The series' points in [fromMs, toMs) whose tags match, sorted by time (rows of several tag
 * sets at one time all kept), the latest write of each (time, tags) only. null: no such series.
 */
export async function readSeries(
  store: Pick<BlobStore, 'get' | 'listDetailed'>,
  name: string,
  fromMs: number,
  toMs: number,
  filter: TagFilter,
): Promise<{ meta: SeriesMeta; series: PointSeries & { tags: string[] } } | null> {
  const meta = await readSeriesMeta(store, name);
  if (!meta) return null;
  const wanted = new Set(partitionDates(fromMs, toMs).map((d) => `date=${d}`));
  const byDate = new Map<string, Array<{ path: string; etag: string }>>();
  for (const b of await store.listDetailed(root(name))) {
    const date = b.path.slice(root(name).length).split('/')[0];
    if (!wanted.has(date)) continue;
    const list = byDate.get(date);
    if (list) list.push(b);
    else byDate.set(date, [b]);
  }
  const outT: number[] = [];
  const outV: bigint[] = [];
  const outP: number[] = [];
  const outTag: string[] = [];
  for (const date of [...byDate.keys()].sort()) {
    const parts = await Promise.all(
      (byDate.get(date) as Array<{ path: string; etag: string }>)
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map(async (b) => {
          const key = `${b.path}@${b.etag}`;
          let part = partCache.get(key);
          if (!part) {
            const bytes = await store.get(b.path);
            if (!bytes) return null; // deleted between listing and reading
            part = decodePart(bytes, b.path);
            partCache.set(key, part);
            cachedPoints += part.t.length;
            for (const [k, old] of partCache) {
              if (cachedPoints <= MAX_CACHED_POINTS) break;
              partCache.delete(k);
              cachedPoints -= old.t.length;
            }
          }
          return part;
        }),
    );
    // later parts win per (time, tags): key → row of the day's output
    const rows = new Map<string, number>();
    const dayT: number[] = [];
    const dayV: bigint[] = [];
    const dayP: number[] = [];
    const dayTag: string[] = [];
    for (const part of parts) {
      if (!part) continue;
      const ok = part.tagSets.map((s) => tagMatches(s, filter));
      for (let i = 0; i < part.t.length; i++) {
        const t = part.t[i];
        if (t < fromMs || t >= toMs || !ok[part.tag[i]]) continue;
        const tagText = part.tagSets[part.tag[i]];
        const key = parts.length === 1 ? '' : `${t}|${tagText}`;
        const at = key === '' ? undefined : rows.get(key);
        if (at === undefined) {
          if (key !== '') rows.set(key, dayT.length);
          dayT.push(t);
          dayV.push(part.v[i]);
          dayP.push(part.present[i]);
          dayTag.push(tagText);
        } else {
          dayV[at] = part.v[i];
          dayP[at] = part.present[i];
        }
      }
    }
    const idx = Array.from(dayT.keys());
    let sorted = true;
    for (let k = 1; k < dayT.length; k++) if (dayT[k] < dayT[k - 1]) sorted = false;
    if (!sorted) idx.sort((a, b) => dayT[a] - dayT[b] || a - b);
    for (const k of idx) {
      outT.push(dayT[k]);
      outV.push(dayV[k]);
      outP.push(dayP[k]);
      outTag.push(dayTag[k]);
    }
  }
  return {
    meta,
    series: {
      startMs: Float64Array.from(outT),
      value: BigInt64Array.from(outV),
      present: Uint8Array.from(outP),
      tags: outTag,
    },
  };
}
