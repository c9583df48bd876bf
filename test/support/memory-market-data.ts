/**
 * An in-memory MarketDataReader serving given series (the ingestion side builds the real one):
 * a read returns the intervals of the series for (kind, area, unit[, source]) starting in
 * [fromMs, toMs), like the lake reader, and records every query.
 */
import type { MarketDataReader, MarketSeries, MarketSeriesQuery } from '../../shared/market-data/market-series';

export class MemoryMarketData implements MarketDataReader {
  readonly queries: MarketSeriesQuery[] = [];
  constructor(private readonly series: MarketSeries[]) {}

  read(q: MarketSeriesQuery): Promise<MarketSeries> {
    this.queries.push(q);
    const s = this.series.find(
      (x) => x.kind === q.kind && x.area === q.area && x.unit === q.unit && (!q.source || x.source === q.source),
    );
    const empty: MarketSeries = {
      source: q.source ?? 'energidataservice',
      area: q.area,
      kind: q.kind,
      unit: q.unit,
      startMs: new Float64Array(0),
      minutes: new Int32Array(0),
      value: new BigInt64Array(0),
    };
    if (!s) return Promise.resolve(empty);
    const keep: number[] = [];
    for (let i = 0; i < s.startMs.length; i++) if (s.startMs[i] >= q.fromMs && s.startMs[i] < q.toMs) keep.push(i);
    return Promise.resolve({
      ...s,
      startMs: Float64Array.from(keep, (i) => s.startMs[i]),
      minutes: Int32Array.from(keep, (i) => s.minutes[i]),
      value: BigInt64Array.from(keep, (i) => s.value[i]),
    });
  }
}

/** A series of `minutes`-long intervals from `fromMs` with the given values (decimal × 10^6 as numbers or bigints). */
export function marketSeries(
  o: Pick<MarketSeries, 'area' | 'kind' | 'unit'> & { source?: string },
  fromMs: number,
  minutes: number,
  values: ReadonlyArray<bigint | null>,
): MarketSeries {
  const idx = values.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0);
  return {
    source: o.source ?? 'energidataservice',
    area: o.area,
    kind: o.kind,
    unit: o.unit,
    startMs: Float64Array.from(idx, (i) => fromMs + i * minutes * 60_000),
    minutes: Int32Array.from(idx, () => minutes),
    value: BigInt64Array.from(idx, (i) => values[i] as bigint),
  };
}

/** Concatenates series of one (kind, area, unit) in time order (e.g. hourly then quarterly). */
export function concatSeries(a: MarketSeries, b: MarketSeries): MarketSeries {
  const cat = <T extends Float64Array | Int32Array | BigInt64Array>(x: T, y: T, make: (n: number) => T): T => {
    const out = make(x.length + y.length);
    (out as unknown as { set(a: ArrayLike<unknown>, o?: number): void }).set(x);
    (out as unknown as { set(a: ArrayLike<unknown>, o?: number): void }).set(y, x.length);
    return out;
  };
  return {
    ...a,
    startMs: cat(a.startMs, b.startMs, (n) => new Float64Array(n)),
    minutes: cat(a.minutes, b.minutes, (n) => new Int32Array(n)),
    value: cat(a.value, b.value, (n) => new BigInt64Array(n)),
  };
}
