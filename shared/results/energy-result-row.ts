/** Column order of `energy_results.csv` (issue #2 "CLI contract"). */
export const ENERGY_RESULT_COLUMNS = [
  'calculation_id',
  'calculation_type',
  'time_series_type',
  'aggregation_level',
  'grid_area_code',
  'neighbor_grid_area_code',
  'energy_supplier_id',
  'balance_responsible_party_id',
  'metering_point_id',
  'time',
  'resolution',
  'quantity',
  'quantity_qualities',
  'result_id',
] as const;

/**
 * One energy result point exactly as written to CSV: every field a string, '' for null,
 * time as `YYYY-MM-DDTHH:MM:SSZ`, quantity with exactly 3 decimals, qualities like
 * `['missing', 'measured']` in code-list order (missing, estimated, measured, calculated).
 * Row objects are for tests and small outputs only; the engine itself is columnar.
 */
export type EnergyResultRow = Record<(typeof ENERGY_RESULT_COLUMNS)[number], string>;
