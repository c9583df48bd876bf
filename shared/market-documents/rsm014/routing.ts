/**
 * Who receives which result (opengeh-wholesale §5.2, EDI's three enqueue activities of
 * BRS-023). One document per (result series, receiver).
 *
 * Routed to MessageHub:
 * - level `grid_area`, types production, non_profiled_consumption, flex_consumption,
 *   net_exchange_per_ga, total_consumption (the energy_v1 view) → the grid area owner, role MDR;
 * - level `energy_supplier`, types production, non_profiled_consumption, flex_consumption
 *   (energy_per_es_v1) → the supplier, role DDQ, for every calculation type; and for D03/D04
 *   (aggregation, balance fixing) also → the BRP of that row, role DDK;
 * - level `balance_responsible_party`, same three types (energy_per_brp_v1) → the BRP, role DDK,
 *   only for D03/D04. The engine writes this level only for those types anyway; the check is
 *   repeated here because sending per-BRP sums of a wholesale settlement is exactly what
 *   green-energy-hub #452 forbids, so it must not depend on the engine's filtering.
 *
 * Deliberately NOT routed (no RSM-014 to any actor):
 * - `net_exchange_per_neighboring_ga` (level `neighbor_grid_area`): the eSett basis (§5.4), sent
 *   to the imbalance settlement responsible in its own format, never through MessageHub;
 * - `temp_production`, `temp_flex_consumption`, `grid_loss`: internal control results, in none of
 *   the public views that EDI sends from;
 * - `positive_grid_loss` / `negative_grid_loss` (level `metering_point`): grid-loss metering
 *   point time series, fed back into basis data and wholesale tariffs, not aggregated data.
 */
import type { CalculationType, TimeSeriesType } from '../../domain/codes';
import type { ReceiverRole } from './codes';
import { GridAreaOwnerNotFoundError, Rsm014InputError } from './errors';
import type { ResultSeries } from './series';

/** Resolves the GLN of a grid area's owner; null when unknown (→ GridAreaOwnerNotFoundError). */
export type GridAreaOwnerResolver = (gridArea: string) => string | null;

export interface Receiver {
  id: string;
  role: ReceiverRole;
}

/** A receiver plus which actor ids its copy of the Series carries (§5.2: DDQ gets ES only). */
export interface Routing {
  receiver: Receiver;
  energySupplierId: string | null;
  balanceResponsiblePartyId: string | null;
}

const GRID_AREA_TYPES: ReadonlySet<TimeSeriesType> = new Set<TimeSeriesType>([
  'production',
  'non_profiled_consumption',
  'flex_consumption',
  'net_exchange_per_ga',
  'total_consumption',
]);
const ACTOR_TYPES: ReadonlySet<TimeSeriesType> = new Set<TimeSeriesType>([
  'production',
  'non_profiled_consumption',
  'flex_consumption',
]);

/** D03/D04: the balance settlement types whose results also go to BRPs. */
export function sendsToBalanceResponsible(t: CalculationType): boolean {
  return t === 'aggregation' || t === 'balance_fixing';
}

function required(value: string | null, what: string, s: ResultSeries): string {
  if (value === null)
    throw new Rsm014InputError(
      `result ${s.resultId} (${s.timeSeriesType}, level ${s.aggregationLevel}) has no ${what}`,
      s.resultId,
    );
  return value;
}

/** The receivers of one result series; [] for results that are not sent through MessageHub. */
export function routeSeries(
  s: ResultSeries,
  calculationType: CalculationType,
  gridAreaOwner: GridAreaOwnerResolver,
): Routing[] {
  switch (s.aggregationLevel) {
    case 'grid_area': {
      if (!GRID_AREA_TYPES.has(s.timeSeriesType)) return [];
      const owner = gridAreaOwner(s.gridArea);
      if (owner === null) throw new GridAreaOwnerNotFoundError(s.gridArea);
      return [{ receiver: { id: owner, role: 'MDR' }, energySupplierId: null, balanceResponsiblePartyId: null }];
    }
    case 'energy_supplier': {
      if (!ACTOR_TYPES.has(s.timeSeriesType)) return [];
      const es = required(s.energySupplierId, 'energy supplier', s);
      const out: Routing[] = [
        { receiver: { id: es, role: 'DDQ' }, energySupplierId: es, balanceResponsiblePartyId: null },
      ];
      if (sendsToBalanceResponsible(calculationType)) {
        const brp = required(s.balanceResponsiblePartyId, 'balance responsible party', s);
        out.push({ receiver: { id: brp, role: 'DDK' }, energySupplierId: es, balanceResponsiblePartyId: brp });
      }
      return out;
    }
    case 'balance_responsible_party': {
      if (!ACTOR_TYPES.has(s.timeSeriesType) || !sendsToBalanceResponsible(calculationType)) return [];
      const brp = required(s.balanceResponsiblePartyId, 'balance responsible party', s);
      return [{ receiver: { id: brp, role: 'DDK' }, energySupplierId: null, balanceResponsiblePartyId: brp }];
    }
    case 'neighbor_grid_area':
    case 'metering_point':
      return [];
  }
}
