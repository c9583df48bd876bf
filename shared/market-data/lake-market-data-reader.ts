/**
 * MarketDataReader over the curated market data (market-data-lake.ts): the latest version of
 * each interval fetched at or before the as-of pin, one value per interval, columnar.
 */
import type { BlobStore } from '../storage/blob-store';
import { MarketDataLake, monthsOverlapping, type StoredRows } from './market-data-lake';
import type { MarketDataReader, MarketSeries, MarketSeriesQuery } from './market-series';
import { preferredSource } from './sources/catalog';

export class UnknownMarketAreaError extends Error {
  constructor(readonly area: string) {
    super(`no market data source serves area ${area}; name one with 'source'`);
    this.name = 'UnknownMarketAreaError';
  }
}

export class LakeMarketDataReader implements MarketDataReader {
  private readonly lake: MarketDataLake;

  constructor(store: BlobStore) {
    this.lake = new MarketDataLake(store);
  }

  async read(q: MarketSeriesQuery): Promise<MarketSeries> {
    const source = q.source ?? preferredSource(q.area);
    if (!source) throw new UnknownMarketAreaError(q.area);
    const asOf = q.asOfMs ?? Infinity;
    const parts: StoredRows[] = [];
    for (const month of monthsOverlapping(q.fromMs, q.toMs))
      parts.push(await this.lake.readPartition(q.kind, source, q.area, month));
    // partitions are disjoint months, each sorted by start then fetch time: pick per start the
    // newest version within the pin
    const start: number[] = [];
    const minutes: number[] = [];
    const value: bigint[] = [];
    let lastStart = NaN;
    for (const p of parts) {
      for (let i = 0; i < p.startMs.length; i++) {
        const t = p.startMs[i];
        if (p.unit[i] !== q.unit || t < q.fromMs || t >= q.toMs || p.fetchedAtMs[i] > asOf) continue;
        if (t === lastStart) {
          // a later version of the same interval (sorted by fetch time): it replaces the earlier
          minutes[minutes.length - 1] = p.minutes[i];
          value[value.length - 1] = p.value[i];
          continue;
        }
        start.push(t);
        minutes.push(p.minutes[i]);
        value.push(p.value[i]);
        lastStart = t;
      }
    }
    return {
      source,
      area: q.area,
      kind: q.kind,
      unit: q.unit,
      startMs: Float64Array.from(start),
      minutes: Int32Array.from(minutes),
      value: BigInt64Array.from(value),
    };
  }
}
