import { AsOfBasisDataSource, type BasisDataEvents } from '../../basis-data/bitemporal/as-of-source';
import type { BlobLake } from '../../basis-data/parquet/blob-lake';

export interface BasisDataAsOfDeps {
  lake: Pick<BlobLake, 'view'>;
  /** Integration events (bi-temporal master data, time series, charges) overlaid on the lake as of an as-of. */
  events: BasisDataEvents;
}

/** The basis data as known at `asOf`: the lake overlaid with the integration events stored by then. */
export async function basisDataAsOf(
  deps: BasisDataAsOfDeps,
  range: { from: number; to: number },
  asOf: number,
): Promise<{ source: AsOfBasisDataSource; blobs: Array<{ path: string; etag: string }> }> {
  const view = await deps.lake.view(range);
  return { source: new AsOfBasisDataSource(view.source, deps.events, asOf), blobs: view.blobs };
}

/** Grid areas in the basis data as known at `asOf` and how many metering points each has (batch sizing). */
export async function gridAreaCatalog(deps: BasisDataAsOfDeps, asOf: number): Promise<Map<string, number>> {
  const counts = new Map<string, Set<string>>();
  const { source } = await basisDataAsOf(deps, { from: 0, to: 0 }, asOf);
  for (const p of await source.readMeteringPointPeriods()) {
    let s = counts.get(p.gridAreaCode);
    if (!s) counts.set(p.gridAreaCode, (s = new Set()));
    s.add(p.meteringPointId);
  }
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)).map(([ga, s]) => [ga, s.size]));
}
