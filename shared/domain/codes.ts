/**
 * Code lists of the DataHub energy domain (see ../shared/reference/domain.md).
 * Codes are the external (input) spellings; engine-internal enums are small integers so
 * hot kernels can keep them in typed arrays.
 */

export const PARENT_METERING_POINT_TYPES = ['E17', 'E18', 'E20'] as const;
export const CHILD_METERING_POINT_TYPES = [
  'D01',
  'D05',
  'D06',
  'D07',
  'D08',
  'D09',
  'D10',
  'D11',
  'D12',
  'D14',
  'D15',
  'D19',
] as const;
export const METERING_POINT_TYPES = [...PARENT_METERING_POINT_TYPES, ...CHILD_METERING_POINT_TYPES] as const;
export type MeteringPointType = (typeof METERING_POINT_TYPES)[number];

export const SETTLEMENT_METHODS = ['E02', 'D01'] as const;
export type SettlementMethod = (typeof SETTLEMENT_METHODS)[number];

export const METERING_POINT_CALCULATION_TYPES = ['grid-loss', 'system-correction'] as const;

export const RESOLUTIONS = ['PT15M', 'PT1H'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export const RESOLUTION_MS: Record<Resolution, number> = { PT15M: 15 * 60_000, PT1H: 60 * 60_000 };

/**
 * Input qualities. The numeric code is the bit index used in quality masks; the order is also
 * the order in which a quality set is written (`['missing', 'measured']`).
 */
export const QUALITIES = ['missing', 'estimated', 'measured', 'calculated'] as const;
export type Quality = (typeof QUALITIES)[number];
export const Q_MISSING = 0;
export const Q_ESTIMATED = 1;
export const Q_MEASURED = 2;
export const Q_CALCULATED = 3;
export const QUALITY_CODE: Record<Quality, number> = { missing: 0, estimated: 1, measured: 2, calculated: 3 };
/** Lookup by input spelling (a Map, so 'constructor' & co. are not codes). */
export const QUALITY_BY_NAME: ReadonlyMap<string, number> = new Map(QUALITIES.map((q, i) => [q, i]));

/** Bit flags of a quality mask; bit 7 marks "a result point exists in this slot". */
export const QBIT_MISSING = 1 << Q_MISSING;
export const QBIT_ESTIMATED = 1 << Q_ESTIMATED;
export const QBIT_MEASURED = 1 << Q_MEASURED;
export const QBIT_CALCULATED = 1 << Q_CALCULATED;
export const QBIT_ACTIVE = 1 << 7;
export const QBITS_QUALITIES = QBIT_MISSING | QBIT_ESTIMATED | QBIT_MEASURED | QBIT_CALCULATED;

export function formatQualities(mask: number): string {
  const parts: string[] = [];
  for (let i = 0; i < QUALITIES.length; i++) if (mask & (1 << i)) parts.push(`'${QUALITIES[i]}'`);
  return `[${parts.join(', ')}]`;
}

export function parseQualities(text: string): Quality[] {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  if (inner.trim() === '') return [];
  return inner.split(',').map((s) => s.trim().replace(/^'|'$/g, '') as Quality);
}

export const CALCULATION_TYPES = [
  'aggregation',
  'balance_fixing',
  'wholesale_fixing',
  'first_correction_settlement',
  'second_correction_settlement',
  'third_correction_settlement',
] as const;
export type CalculationType = (typeof CALCULATION_TYPES)[number];

/** Per-BRP results and exchange per neighbour are only produced for these (green-energy-hub #452). */
export function isAggregationOrBalanceFixing(t: CalculationType): boolean {
  return t === 'aggregation' || t === 'balance_fixing';
}

export const TIME_SERIES_TYPES = [
  'net_exchange_per_neighboring_ga',
  'net_exchange_per_ga',
  'temp_production',
  'temp_flex_consumption',
  'non_profiled_consumption',
  'grid_loss',
  'positive_grid_loss',
  'negative_grid_loss',
  'production',
  'flex_consumption',
  'total_consumption',
] as const;
export type TimeSeriesType = (typeof TIME_SERIES_TYPES)[number];

export const AGGREGATION_LEVELS = [
  'grid_area',
  'energy_supplier',
  'balance_responsible_party',
  'neighbor_grid_area',
  'metering_point',
] as const;
export type AggregationLevel = (typeof AGGREGATION_LEVELS)[number];

/** Default instant after which energy results are quarterly (opengeh-wholesale §1.2). */
export const DEFAULT_QUARTERLY_TRANSITION = '2023-01-31T23:00:00Z';
