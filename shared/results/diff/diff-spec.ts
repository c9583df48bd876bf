/**
 * What identifies a result series and which value is compared, per result kind (issue 17,
 * calculation diff). Key columns are the result files' own column names, so a diff key reads
 * like a results row.
 */
import type { ResultKind } from '../result-stream';

export interface DiffSpec {
  kind: ResultKind;
  /** Columns whose values together identify one series (its rows differ by time only). */
  keyColumns: readonly string[];
  /** The compared value: energy quantity (kWh, 3 dp), wholesale amount (DKK, 6 dp). */
  valueColumn: 'quantity' | 'amount';
  scale: 3 | 6;
  unit: 'kWh' | 'DKK';
  /** Compared as well when present: the wholesale quantity (3 dp). */
  secondaryColumn: 'quantity' | null;
  /** The `type` filter's column and the `level` filter's (null: the kind has no levels). */
  typeColumn: string;
  levelColumn: string | null;
  /** Actor columns the per-actor totals are made of, with the role each stands for. */
  actorColumns: ReadonlyArray<{ column: string; role: ActorRole }>;
}

export type ActorRole = 'energy_supplier' | 'balance_responsible_party';

export const ENERGY_DIFF: DiffSpec = {
  kind: 'energy',
  keyColumns: [
    'time_series_type',
    'aggregation_level',
    'grid_area_code',
    'neighbor_grid_area_code',
    'energy_supplier_id',
    'balance_responsible_party_id',
    'metering_point_id',
  ],
  valueColumn: 'quantity',
  scale: 3,
  unit: 'kWh',
  secondaryColumn: null,
  typeColumn: 'time_series_type',
  levelColumn: 'aggregation_level',
  actorColumns: [
    { column: 'energy_supplier_id', role: 'energy_supplier' },
    { column: 'balance_responsible_party_id', role: 'balance_responsible_party' },
  ],
};

/**
 * Wholesale series identity as shared/results/wholesale-results.ts `WholesaleSeries` (without its
 * result_id, which is derived from the calculation id and so differs between any two jobs).
 */
export const WHOLESALE_DIFF: DiffSpec = {
  kind: 'wholesale',
  keyColumns: [
    'amount_type',
    'grid_area_code',
    'energy_supplier_id',
    'charge_owner_id',
    'charge_code',
    'charge_type',
    'is_tax',
    'metering_point_type',
    'settlement_method',
    'resolution',
    'quantity_unit',
  ],
  valueColumn: 'amount',
  scale: 6,
  unit: 'DKK',
  secondaryColumn: 'quantity',
  typeColumn: 'amount_type',
  levelColumn: null,
  actorColumns: [{ column: 'energy_supplier_id', role: 'energy_supplier' }],
};

export const diffSpecOf = (kind: ResultKind): DiffSpec => (kind === 'energy' ? ENERGY_DIFF : WHOLESALE_DIFF);
