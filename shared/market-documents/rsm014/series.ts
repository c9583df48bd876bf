/**
 * Energy result rows (one per point, as in energy_results.csv) → result series (one per
 * result_id). A series is the unit of sending: one result = one document per receiver (§5.2).
 */
import {
  AGGREGATION_LEVELS,
  QUALITIES,
  RESOLUTION_MS,
  RESOLUTIONS,
  TIME_SERIES_TYPES,
  parseQualities,
  type AggregationLevel,
  type Quality,
  type Resolution,
  type TimeSeriesType,
} from '../../domain/codes';
import { parseInstant } from '../../domain/time';
import type { EnergyResultRow } from '../../results/energy-result-row';
import { Rsm014InputError } from './errors';

export interface ResultPoint {
  /** Epoch ms (UTC) of the start of the slot. */
  time: number;
  /** Exactly as in the results (3 decimals), null when the result has no quantity. */
  quantity: string | null;
  qualities: ReadonlySet<Quality>;
}

export interface ResultSeries {
  resultId: string;
  calculationId: string;
  calculationType: string;
  timeSeriesType: TimeSeriesType;
  aggregationLevel: AggregationLevel;
  gridArea: string;
  neighborGridArea: string | null;
  energySupplierId: string | null;
  balanceResponsiblePartyId: string | null;
  meteringPointId: string | null;
  resolution: Resolution;
  /** Sorted by time, no duplicates. */
  points: ResultPoint[];
}

const QUANTITY_RE = /^-?\d+\.\d{3}$/;

function oneOf<T extends string>(list: readonly T[], value: string, what: string, resultId: string): T {
  if (!(list as readonly string[]).includes(value))
    throw new Rsm014InputError(`result ${resultId}: unknown ${what} '${value}'`, resultId);
  return value as T;
}

const orNull = (s: string): string | null => (s === '' ? null : s);

/** The fields every point of one series must agree on (the identity of the result). */
function identity(r: EnergyResultRow): string {
  return [
    r.calculation_id,
    r.calculation_type,
    r.time_series_type,
    r.aggregation_level,
    r.grid_area_code,
    r.neighbor_grid_area_code,
    r.energy_supplier_id,
    r.balance_responsible_party_id,
    r.metering_point_id,
    r.resolution,
  ].join('|');
}

/**
 * Groups rows by result_id, in the order results first appear (the engine's order is
 * deterministic, so documents come out in a stable order). Rows of one result_id that disagree
 * on the result's identity, duplicate times, unparsable times/quantities/qualities and rows
 * without a result_id are refused: sending them would attribute numbers to the wrong actor or slot.
 */
export function groupResultSeries(rows: readonly EnergyResultRow[]): ResultSeries[] {
  const byId = new Map<string, { key: string; series: ResultSeries }>();
  for (const r of rows) {
    const id = r.result_id;
    if (id === '')
      throw new Rsm014InputError(
        `result row of ${r.time_series_type}/${r.aggregation_level} in grid area ${r.grid_area_code} at ${r.time} has no result_id`,
      );
    let g = byId.get(id);
    if (!g) {
      g = {
        key: identity(r),
        series: {
          resultId: id,
          calculationId: r.calculation_id,
          calculationType: r.calculation_type,
          timeSeriesType: oneOf(TIME_SERIES_TYPES, r.time_series_type, 'time_series_type', id),
          aggregationLevel: oneOf(AGGREGATION_LEVELS, r.aggregation_level, 'aggregation_level', id),
          gridArea: r.grid_area_code,
          neighborGridArea: orNull(r.neighbor_grid_area_code),
          energySupplierId: orNull(r.energy_supplier_id),
          balanceResponsiblePartyId: orNull(r.balance_responsible_party_id),
          meteringPointId: orNull(r.metering_point_id),
          resolution: oneOf(RESOLUTIONS, r.resolution, 'resolution', id),
          points: [],
        },
      };
      byId.set(id, g);
    } else if (identity(r) !== g.key) {
      throw new Rsm014InputError(`result ${id}: rows disagree on the result (${g.key} vs ${identity(r)})`, id);
    }
    const time = parseInstant(r.time);
    if (time === null) throw new Rsm014InputError(`result ${id}: time '${r.time}' is not an instant`, id);
    const quantity = orNull(r.quantity);
    if (quantity !== null && !QUANTITY_RE.test(quantity))
      throw new Rsm014InputError(`result ${id} at ${r.time}: quantity '${r.quantity}' is not a 3-decimal number`, id);
    const qualities = parseQualities(r.quantity_qualities);
    for (const q of qualities) oneOf(QUALITIES, q, 'quality', id);
    g.series.points.push({ time, quantity, qualities: new Set(qualities) });
  }
  const out: ResultSeries[] = [];
  for (const { series } of byId.values()) {
    series.points.sort((a, b) => a.time - b.time);
    const step = RESOLUTION_MS[series.resolution];
    for (let i = 0; i < series.points.length; i++) {
      const t = series.points[i].time;
      if (t % step !== 0)
        throw new Rsm014InputError(
          `result ${series.resultId}: ${new Date(t).toISOString()} is not on a ${series.resolution} boundary`,
          series.resultId,
        );
      if (i > 0 && series.points[i - 1].time === t)
        throw new Rsm014InputError(
          `result ${series.resultId}: two points at ${new Date(t).toISOString()}`,
          series.resultId,
        );
    }
    out.push(series);
  }
  return out;
}
