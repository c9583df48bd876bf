/**
 * Day-ahead prices for reading (GET /api/market-data/prices): the market series of an area
 * averaged into buckets of the requested resolution.
 *
 * - Prices are averaged, never summed: a bucket's price is the time-weighted mean of the market
 *   intervals covering it, Σ value × minutes / Σ minutes, rounded half to even to 6 decimals
 *   (exact.ts). With one market resolution inside a bucket this is the plain mean (the mean of
 *   the four quarter-hours of an hour, of the 24 hours of a day…); a PT15M bucket inside an hourly
 *   market interval gets that hour's price (hourly prices before 2025-10-01 serve PT15M by
 *   repetition).
 * - P1D and P1M buckets are Danish local days and months (23/25-hour days); PT15M/PT1H buckets
 *   are on the UTC time line (the same as Danish quarters and hours, Copenhagen's offsets being
 *   whole hours).
 * - A bucket not fully covered by market intervals inside [from, to) — a missing sub-interval, a
 *   gap, or a bucket cut by `from`/`to` — has `value: null` and says how many minutes are missing
 *   (`missingMinutes`); what is there is never averaged into a misleading number.
 * - Each point says which market resolution(s) it came from (`marketResolution`: PT1H, PT15M,
 *   PT5M, or `mixed` when a bucket spans the 2025-10-01 seam; null when nothing was there).
 */
import { MARKET_TIME_ZONE } from '../domain/local-time';
import { formatInstant } from '../domain/time';
import { bucketEdges, lowerBound } from '../timeseries/bucket';
import type { BucketSpec } from '../timeseries/bucket-spec';
import { divHalfEven, formatScaledBig } from '../timeseries/exact';
import type { MarketDataReader } from './market-series';

export const PRICE_RESOLUTIONS = ['PT15M', 'PT1H', 'P1D', 'P1M'] as const;
export type PriceResolution = (typeof PRICE_RESOLUTIONS)[number];
export const CURRENCIES = ['EUR', 'DKK'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const PRICE_BUCKETS: Record<PriceResolution, BucketSpec> = {
  PT15M: { kind: 'fixed', ms: 15 * 60_000, text: 'PT15M' },
  PT1H: { kind: 'fixed', ms: 60 * 60_000, text: 'PT1H' },
  P1D: { kind: 'days', days: 1, text: 'P1D' },
  P1M: { kind: 'months', months: 1, text: 'P1M' },
};

export interface PriceQuery {
  area: string;
  currency: Currency;
  resolution: PriceResolution;
  fromMs: number;
  toMs: number;
}

export interface PricePoint {
  /** Bucket start, ISO-8601 UTC. */
  time: string;
  /** Mean price, 6 decimals, or null when the bucket is not fully covered. */
  value: string | null;
  marketResolution: 'PT1H' | 'PT15M' | 'PT5M' | 'mixed' | null;
  /** Minutes of the bucket without a market price (only when value is null). */
  missingMinutes?: number;
}

export interface Prices {
  area: string;
  currency: Currency;
  unit: string;
  resolution: PriceResolution;
  source: string;
  points: PricePoint[];
}

const MIN = 60_000;
const MARKET_BIT: Record<number, number> = { 60: 1, 15: 2, 5: 4 };
const MARKET_NAME: Record<number, PricePoint['marketResolution']> = { 1: 'PT1H', 2: 'PT15M', 4: 'PT5M' };

export async function readPrices(reader: MarketDataReader, q: PriceQuery): Promise<Prices> {
  const unit = `${q.currency}/MWh`;
  const edges = bucketEdges(PRICE_BUCKETS[q.resolution], MARKET_TIME_ZONE, q.fromMs, q.toMs);
  const nb = Math.max(0, edges.length - 1);
  const s = await reader.read({ kind: 'day_ahead_price', area: q.area, unit, fromMs: q.fromMs, toMs: q.toMs });
  const acc = new Array<bigint>(nb).fill(0n);
  const covered = new Float64Array(nb); // ms
  const market = new Uint8Array(nb);
  // intervals starting up to an hour before `from` may still cover it
  let b = 0;
  for (let i = lowerBound(s.startMs, q.fromMs - 60 * MIN); i < s.startMs.length; i++) {
    const start = Math.max(s.startMs[i], q.fromMs);
    const end = Math.min(s.startMs[i] + s.minutes[i] * MIN, q.toMs);
    if (start >= q.toMs) break;
    if (end <= start) continue;
    while (b < nb && edges[b + 1] <= start) b++;
    for (let k = b; k < nb && edges[k] < end; k++) {
      const overlap = Math.min(end, edges[k + 1]) - Math.max(start, edges[k]);
      if (overlap <= 0) continue;
      acc[k] += s.value[i] * BigInt(overlap / MIN);
      covered[k] += overlap;
      market[k] |= MARKET_BIT[s.minutes[i]] ?? 0;
    }
  }
  const points: PricePoint[] = [];
  for (let k = 0; k < nb; k++) {
    const length = edges[k + 1] - edges[k];
    const m = market[k];
    const marketResolution = m === 0 ? null : (MARKET_NAME[m] ?? 'mixed');
    if (covered[k] === length)
      points.push({
        time: formatInstant(edges[k]),
        value: formatScaledBig(divHalfEven(acc[k], BigInt(length / MIN))),
        marketResolution,
      });
    else
      points.push({
        time: formatInstant(edges[k]),
        value: null,
        marketResolution,
        missingMinutes: (length - covered[k]) / MIN,
      });
  }
  return { area: q.area, currency: q.currency, unit, resolution: q.resolution, source: s.source, points };
}
