/**
 * Committed settlement results as series, read through the job's manifest
 * (shared/results/committed-results.ts, rows filtered by the caller's scope while the files are
 * read), never copied: one time series type of one grid area, at grid-area level or — with a
 * supplier — at energy-supplier level.
 */
import { parseScaled } from '../decimal/scaled';
import type { RowScope } from '../auth/access';
import { readResults } from '../results/committed-results';
import type { BlobStore } from '../storage/blob-store';
import { parseInstant } from '../domain/time';
import type { PointSeries } from './bucket';

export interface ResultSeriesQuery {
  jobId: string;
  timeSeriesType: string;
  gridArea: string;
  energySupplierId?: string;
  scope: RowScope;
}

/** Sorted series (kWh × 10^6) with each point's minutes; null when the job has no committed results. */
export async function readResultSeries(
  results: Pick<BlobStore, 'get'>,
  q: ResultSeriesQuery,
): Promise<(PointSeries & { minutes: Int32Array }) | null> {
  const rows = await readResults(results, q.jobId, {
    timeSeriesType: q.timeSeriesType,
    gridArea: q.gridArea,
    scope: q.scope,
  });
  if (rows === null) return null;
  const level = q.energySupplierId === undefined ? 'grid_area' : 'energy_supplier';
  const picked = rows
    .filter(
      (r) =>
        r.aggregation_level === level &&
        (q.energySupplierId === undefined || r.energy_supplier_id === q.energySupplierId),
    )
    .map((r) => ({
      t: parseInstant(r.time) as number,
      milli: parseScaled(r.quantity, 3),
      minutes: r.resolution === 'PT1H' ? 60 : 15,
    }))
    .sort((a, b) => a.t - b.t);
  return {
    startMs: Float64Array.from(picked, (p) => p.t),
    value: BigInt64Array.from(picked, (p) => BigInt(p.milli) * 1000n),
    minutes: Int32Array.from(picked, (p) => p.minutes),
  };
}
