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

/**
 * Result rows, columnar (millions of hourly tariff rows: no object per row). Quantities milli,
 * prices and amounts micro-DKK; NaN / -1 mean null. An amount beyond 2^53 lives in `bigAmounts`.
 */
export class WholesaleRows {
  length = 0;
  series = new Int32Array(1024);
  time = new Float64Array(1024);
  quantityMilli = new Float64Array(1024);
  /** quality bits, -1 = null (monthly and total rows) */
  qualities = new Int16Array(1024);
  priceMicro = new Float64Array(1024);
  amountMicro = new Float64Array(1024);
  readonly bigAmounts = new Map<number, bigint>();

  push(
    series: number,
    time: number,
    quantityMilli: number | null,
    qualities: number | null,
    priceMicro: number | null,
    amount: number | bigint | null,
  ): void {
    if (this.length === this.series.length) this.grow();
    const i = this.length++;
    this.series[i] = series;
    this.time[i] = time;
    this.quantityMilli[i] = quantityMilli ?? NaN;
    this.qualities[i] = qualities ?? -1;
    this.priceMicro[i] = priceMicro ?? NaN;
    if (typeof amount === 'bigint') {
      this.amountMicro[i] = NaN;
      this.bigAmounts.set(i, amount);
    } else this.amountMicro[i] = amount ?? NaN;
  }

  amount(i: number): number | bigint | null {
    const v = this.amountMicro[i];
    if (!Number.isNaN(v)) return v;
    return this.bigAmounts.get(i) ?? null;
  }

  private grow(): void {
    const n = this.series.length * 2;
    const grown = <T extends Int32Array | Int16Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.series = grown(this.series, (k) => new Int32Array(k));
    this.time = grown(this.time, (k) => new Float64Array(k));
    this.quantityMilli = grown(this.quantityMilli, (k) => new Float64Array(k));
    this.qualities = grown(this.qualities, (k) => new Int16Array(k));
    this.priceMicro = grown(this.priceMicro, (k) => new Float64Array(k));
    this.amountMicro = grown(this.amountMicro, (k) => new Float64Array(k));
  }
}

export interface WholesaleResults {
  calculationId: string;
  calculationType: CalculationType;
  series: WholesaleSeries[];
  rows: WholesaleRows;
}
