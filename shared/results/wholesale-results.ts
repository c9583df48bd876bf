import type { CalculationType } from '../domain/codes';

export const WHOLESALE_RESULT_COLUMNS = [
  'calculation_id',
  'calculation_type',
  'amount_type',
  'grid_area_code',
  'energy_supplier_id',
  'charge_owner_id',
  'charge_code',
  'charge_type',
  'is_tax',
  'metering_point_type',
  'settlement_method',
  'time',
  'resolution',
  'quantity',
  'quantity_unit',
  'quantity_qualities',
  'price',
  'amount',
  'result_id',
] as const;
export type WholesaleResultRow = Record<(typeof WHOLESALE_RESULT_COLUMNS)[number], string>;

export type AmountType = 'amount_per_charge' | 'monthly_amount_per_charge' | 'total_monthly_amount';

/** Identity of one wholesale result series (its rows differ by time only). */
export interface WholesaleSeries {
  amountType: AmountType;
  gridArea: string;
  energySupplierId: string;
  chargeOwnerId: string | null;
  chargeCode: string | null;
  chargeType: string | null;
  isTax: boolean | null;
  meteringPointType: string | null;
  settlementMethod: string | null;
  resolution: 'PT1H' | 'P1D' | 'P1M';
  quantityUnit: 'kWh' | 'pcs' | null;
  resultId: string;
}

/** One row per (series, time); quantities milli, prices and amounts micro-DKK; null = absent. */
export interface WholesaleRow {
  series: number;
  time: number;
  quantityMilli: number | null;
  qualities: number | null;
  priceMicro: number | null;
  /** A number while it is a safe integer; BigInt beyond 2^53 (exact either way). */
  amountMicro: number | bigint | null;
}

export interface WholesaleResults {
  calculationId: string;
  calculationType: CalculationType;
  series: WholesaleSeries[];
  rows: WholesaleRow[];
}
