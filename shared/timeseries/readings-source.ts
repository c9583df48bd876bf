/**
 * Where series reads find metering point readings: the basis-data lake overlaid with the
 * integration events as of a time (basisDataAsOf), scoped to one grid area so a read downloads
 * only that grid area's partitions of the range. For one metering point without a grid area the
 * master data alone is read first (a view over an empty range holds no time series) to find it.
 */
import type { BasisDataSource } from '../basis-data/types';
import { basisDataAsOf, type BasisDataAsOfDeps } from '../settlement/use-cases/basis-data-as-of';

export type ReadingsSource = (
  where: { gridArea: string } | { meteringPointId: string },
  range: { from: number; to: number },
  asOf: number,
) => Promise<BasisDataSource | null>;

export function lakeReadings(deps: BasisDataAsOfDeps): ReadingsSource {
  return async (where, range, asOf) => {
    let gridArea: string;
    if ('gridArea' in where) gridArea = where.gridArea;
    else {
      const master = await basisDataAsOf(deps, { from: range.from, to: range.from }, asOf);
      const periods = (await master.source.readMeteringPointPeriods()).filter(
        (p) =>
          p.meteringPointId === where.meteringPointId && p.fromDate < range.to && (p.toDate ?? Infinity) > range.from,
      );
      if (periods.length === 0) return null;
      gridArea = periods[periods.length - 1].gridAreaCode;
    }
    return (await basisDataAsOf(deps, range, asOf, [gridArea])).source;
  };
}
