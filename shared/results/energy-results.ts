import type { AggregationLevel, CalculationType, TimeSeriesType } from '../domain/codes';

/** Identity of one result series; all its points share `resultId`. */
export interface SeriesMeta {
  timeSeriesType: TimeSeriesType;
  aggregationLevel: AggregationLevel;
  gridAreaCode: string;
  neighborGridAreaCode: string | null;
  energySupplierId: string | null;
  balanceResponsiblePartyId: string | null;
  meteringPointId: string | null;
  resultId: string;
}

/**
 * Energy results, columnar: one dense row of `nSlots` values per series. `values` are
 * milli-kWh integers (3 dp); `masks` hold quality bits and QBIT_ACTIVE for slots that have a
 * result point. Slot s is the instant `periodStart + s * slotMs`.
 */
export interface EnergyResults {
  calculationId: string;
  calculationType: CalculationType;
  resolution: 'PT15M' | 'PT1H';
  periodStart: number;
  slotMs: number;
  nSlots: number;
  series: SeriesMeta[];
  values: Float64Array[];
  masks: Uint8Array[];
}

export function countResultPoints(r: EnergyResults, active: number): number {
  let n = 0;
  for (const m of r.masks) for (let s = 0; s < m.length; s++) if (m[s] & active) n++;
  return n;
}
