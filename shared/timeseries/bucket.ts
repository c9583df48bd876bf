/**
 * The time-bucket engine: TimescaleDB `time_bucket` / `time_bucket_gapfill` semantics over
 * columnar series (typed arrays, values × 10^6 as BigInt), pure and synchronous.
 *
 * Semantics, precisely (the differential test formulates the same in DuckDB SQL):
 * - Points with `fromMs ≤ t < toMs` take part; every bucket overlapping [fromMs, toMs) is returned
 *   (gap-filled), the first one possibly starting before `fromMs` (its start is the bucket's).
 * - Null points (present = 0) are ignored by every aggregate, like SQL aggregates ignore NULL.
 * - avg = Σ / n rounded half to even to 6 decimals (exact.ts); sum/min/max exact; first/last =
 *   the value of the earliest/latest point (the first in input order on equal times); count = the
 *   number of non-null points (0, never null, for an empty bucket; `scale` 0).
 * - A bucket without non-null points is null, then `fill`: `null` keeps it; `previous` carries
 *   the last non-null bucket before it within the range (none → null; TimescaleDB `locf`);
 *   `linear` interpolates between the nearest non-null buckets before and after it by bucket
 *   start time, rounded half to even (none on one side → null; TimescaleDB `interpolate`).
 */
import { DAY_MS } from '../domain/time';
import { DAY_ORIGIN, FIXED_ORIGIN_MS, type BucketSpec } from './bucket-spec';
import { divHalfEven } from './exact';
import { epochDayOfMonth, localDayStart, localEpochDay, localMonthIndex } from './zone';

export const AGGREGATES = ['avg', 'sum', 'min', 'max', 'first', 'last', 'count'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const FILLS = ['null', 'previous', 'linear'] as const;
export type Fill = (typeof FILLS)[number];

/** A columnar series sorted by time (ascending; equal times allowed). */
export interface PointSeries {
  startMs: Float64Array;
  /** value × 10^6 */
  value: BigInt64Array;
  /** 1 = value present, 0 = null; absent = all present. */
  present?: Uint8Array | null;
}

export interface BucketQuery {
  bucket: BucketSpec;
  /** IANA zone of calendar buckets ('UTC' or e.g. 'Europe/Copenhagen'). */
  tz: string;
  fromMs: number;
  toMs: number;
  agg: Aggregate;
  fill: Fill;
}

export interface Buckets {
  startMs: Float64Array;
  endMs: Float64Array;
  /** × 10^scale */
  value: BigInt64Array;
  /** 1 = a value (aggregated or filled), 0 = null. */
  present: Uint8Array;
  /** 1 = the value came from `fill`. */
  filled: Uint8Array;
  /** Non-null points in the bucket. */
  count: Int32Array;
  /** Decimals of `value`: 6, or 0 for count. */
  scale: number;
}

/** More buckets than this in one query is a mistake (a year of PT5M is 105,408). */
export const MAX_BUCKETS = 1_000_000;

export class BucketRangeError extends RangeError {}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * Bucket edges: n + 1 instants, edge i = start of bucket i, edge n = end of the last bucket;
 * the buckets overlapping [fromMs, toMs).
 */
export function bucketEdges(bucket: BucketSpec, tz: string, fromMs: number, toMs: number): Float64Array {
  if (!(toMs > fromMs)) return new Float64Array(0);
  const edges: number[] = [];
  const push = (t: number) => {
    if (edges.length > MAX_BUCKETS) throw new BucketRangeError(`more than ${MAX_BUCKETS} buckets of ${bucket.text}`);
    edges.push(t);
  };
  if (bucket.kind === 'fixed') {
    const w = bucket.ms;
    const first = FIXED_ORIGIN_MS + Math.floor((fromMs - FIXED_ORIGIN_MS) / w) * w;
    if ((toMs - first) / w > MAX_BUCKETS)
      throw new BucketRangeError(`more than ${MAX_BUCKETS} buckets of ${bucket.text}`);
    const out = new Float64Array(Math.ceil((toMs - first) / w) + 1);
    for (let i = 0; i < out.length; i++) out[i] = first + i * w;
    return out;
  }
  if (bucket.kind === 'days') {
    const n = bucket.days;
    const d0 = localEpochDay(fromMs, tz);
    let day = DAY_ORIGIN + Math.floor((d0 - DAY_ORIGIN) / n) * n;
    if ((toMs - localDayStart(day, tz)) / (n * DAY_MS) > MAX_BUCKETS)
      throw new BucketRangeError(`more than ${MAX_BUCKETS} buckets of ${bucket.text}`);
    for (;;) {
      const t = localDayStart(day, tz);
      push(t);
      if (t >= toMs) break;
      day += n;
    }
    return Float64Array.from(edges);
  }
  const n = bucket.months;
  let month = Math.floor(localMonthIndex(fromMs, tz) / n) * n;
  for (;;) {
    const t = localDayStart(epochDayOfMonth(2000, month), tz);
    push(t);
    if (t >= toMs) break;
    month += n;
  }
  return Float64Array.from(edges);
}

/** First index with startMs[i] ≥ t (startMs ascending). */
export function lowerBound(a: Float64Array, t: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The series bucketed and gap-filled (see the module comment for the exact semantics). */
export function timeBucket(series: PointSeries, q: BucketQuery, edges?: Float64Array): Buckets {
  const e = edges ?? bucketEdges(q.bucket, q.tz, q.fromMs, q.toMs);
  const nb = Math.max(0, e.length - 1);
  const out: Buckets = {
    startMs: e.subarray(0, nb),
    endMs: e.subarray(1),
    value: new BigInt64Array(nb),
    present: new Uint8Array(nb),
    filled: new Uint8Array(nb),
    count: new Int32Array(nb),
    scale: q.agg === 'count' ? 0 : 6,
  };
  const t = series.startMs;
  const v = series.value;
  const pr = series.present ?? null;
  let j = lowerBound(t, q.fromMs);
  const end = lowerBound(t, q.toMs, j);
  for (let b = 0; b < nb && j < end; b++) {
    const bucketEnd = Math.min(e[b + 1], q.toMs);
    if (t[j] >= bucketEnd) continue;
    let n = 0;
    let acc = 0n;
    for (; j < end && t[j] < bucketEnd; j++) {
      if (pr !== null && pr[j] === 0) continue;
      const x = v[j];
      if (n === 0) acc = x;
      else {
        switch (q.agg) {
          case 'avg':
          case 'sum':
            acc += x;
            break;
          case 'min':
            if (x < acc) acc = x;
            break;
          case 'max':
            if (x > acc) acc = x;
            break;
          case 'last':
            acc = x;
            break;
          default: // first, count
            break;
        }
      }
      n++;
    }
    out.count[b] = n;
    if (q.agg === 'count') continue;
    if (n === 0) continue;
    const r = q.agg === 'avg' ? divHalfEven(acc, BigInt(n)) : acc;
    if (r > INT64_MAX || r < INT64_MIN) throw new BucketRangeError(`the ${q.agg} of a bucket exceeds the 64-bit range`);
    out.value[b] = r;
    out.present[b] = 1;
  }
  if (q.agg === 'count') {
    for (let b = 0; b < nb; b++) {
      out.value[b] = BigInt(out.count[b]);
      out.present[b] = 1;
    }
    return out;
  }
  fill(out, q.fill);
  return out;
}

function fill(out: Buckets, how: Fill): void {
  const nb = out.present.length;
  if (how === 'null') return;
  if (how === 'previous') {
    let last = -1;
    for (let b = 0; b < nb; b++) {
      if (out.present[b] === 1) last = b;
      else if (last >= 0) {
        out.value[b] = out.value[last];
        out.present[b] = 1;
        out.filled[b] = 1;
      }
    }
    return;
  }
  // linear: between the nearest aggregated buckets on both sides (filled ones are never anchors)
  let prev = -1;
  for (let b = 0; b < nb; b++) {
    if (out.present[b] === 1) {
      if (prev >= 0 && b - prev > 1) {
        const t0 = BigInt(out.startMs[prev]);
        const v0 = out.value[prev];
        const dt = BigInt(out.startMs[b]) - t0;
        const dv = out.value[b] - v0;
        for (let k = prev + 1; k < b; k++) {
          out.value[k] = v0 + divHalfEven(dv * (BigInt(out.startMs[k]) - t0), dt);
          out.filled[k] = 1;
        }
        for (let k = prev + 1; k < b; k++) out.present[k] = 1;
      }
      prev = b;
    }
  }
}
