/**
 * Monthly amounts per charge and totals (docs/wholesale-calculation.md): a reduce over the
 * `amount_per_charge` rows of a calculation. Split out of amounts.ts so the single-process
 * calculation and a time-sliced one (each slice contributes its exact partial sums, reduced per
 * grid area by shared/settlement/use-cases/reduce-wholesale.ts) share one implementation.
 */
import type { CalculationType } from '../../domain/codes';
import { resultNamespaceUuid } from '../../results/result-id';
import {
  WholesaleRows,
  type AmountType,
  type WholesaleResults,
  type WholesaleSeries,
} from '../../results/wholesale-results';

/** An exact micro-DKK integer: a number while it is a safe integer, else a BigInt. */
export type Exact = number | bigint;

/** a + b exactly: a number while the sum is a safe integer, else a BigInt. */
export function addExact(a: Exact, b: Exact): Exact {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s;
  }
  return BigInt(a) + BigInt(b);
}

const addNullable = (a: Exact | null, b: Exact | null): Exact | null =>
  a === null ? b : b === null ? a : addExact(a, b);

/** Σ amount of one (charge key, grid area, supplier) over some time: null when every amount was null. */
export interface MonthlyAmount {
  gridArea: string;
  es: string;
  owner: string;
  code: string;
  type: string;
  isTax: boolean;
  unit: 'kWh' | 'pcs';
  amount: Exact | null;
}

const monthlyKey = (m: Pick<MonthlyAmount, 'code' | 'type' | 'owner' | 'gridArea' | 'es'>): string =>
  [m.code, m.type, m.owner, m.gridArea, m.es].join('|');

/** The canonical order of monthly amounts (and so of the rows written from them). */
function sortMonthly(list: MonthlyAmount[]): MonthlyAmount[] {
  return list.sort(
    (x, y) =>
      x.gridArea.localeCompare(y.gridArea) ||
      x.es.localeCompare(y.es) ||
      x.owner.localeCompare(y.owner) ||
      x.code.localeCompare(y.code) ||
      x.type.localeCompare(y.type),
  );
}

/** Result series of one calculation, each created once with its deterministic result id. */
export class WholesaleResultsBuilder {
  readonly series: WholesaleSeries[] = [];
  readonly rows = new WholesaleRows();
  private readonly index = new Map<string, number>();

  constructor(
    readonly calculationId: string,
    readonly calculationType: CalculationType,
  ) {}

  seriesFor(s: Omit<WholesaleSeries, 'resultId'>): number {
    // the identifying fields of docs/wholesale-calculation.md; all points of one series share the id
    const idName = [
      this.calculationId,
      s.amountType,
      s.gridArea,
      s.energySupplierId,
      s.chargeOwnerId ?? '',
      s.chargeCode ?? '',
      s.chargeType ?? '',
      s.meteringPointType ?? '',
      s.settlementMethod ?? '',
    ].join('|');
    let i = this.index.get(idName);
    if (i === undefined) {
      i = this.series.length;
      this.series.push({ ...s, resultId: resultNamespaceUuid(idName) });
      this.index.set(idName, i);
    }
    return i;
  }

  results(): WholesaleResults {
    return {
      calculationId: this.calculationId,
      calculationType: this.calculationType,
      series: this.series,
      rows: this.rows,
    };
  }
}

/** Σ amount per (charge key, grid area, supplier) of the `amount_per_charge` rows of `r`, canonically ordered. */
export function monthlyAmountsOf(r: WholesaleResults): MonthlyAmount[] {
  const monthly = new Map<string, MonthlyAmount>();
  const ofSeries: Array<MonthlyAmount | undefined> = [];
  const rows = r.rows;
  for (let i = 0; i < rows.length; i++) {
    const si = rows.series[i];
    let m = ofSeries[si];
    if (!m) {
      const s = r.series[si];
      if (s.amountType !== 'amount_per_charge') continue;
      const k = monthlyKey({
        code: s.chargeCode as string,
        type: s.chargeType as string,
        owner: s.chargeOwnerId as string,
        gridArea: s.gridArea,
        es: s.energySupplierId,
      });
      m = monthly.get(k);
      if (!m)
        monthly.set(
          k,
          (m = {
            gridArea: s.gridArea,
            es: s.energySupplierId,
            owner: s.chargeOwnerId as string,
            code: s.chargeCode as string,
            type: s.chargeType as string,
            isTax: s.isTax as boolean,
            unit: s.quantityUnit as 'kWh' | 'pcs',
            amount: null,
          }),
        );
      ofSeries[si] = m;
    }
    const v = rows.amount(i);
    if (v !== null) m.amount = m.amount === null ? v : addExact(m.amount, v);
  }
  return sortMonthly([...monthly.values()]);
}

/**
 * The monthly amounts of a whole period from those of its time slices (given in time order):
 * Σ of the non-null partial sums per key, null when every slice's sum was null. is_tax and the
 * unit of a key come from its first slice (they are attributes of the charge).
 */
export function mergeMonthlyAmounts(slices: readonly MonthlyAmount[][]): MonthlyAmount[] {
  const merged = new Map<string, MonthlyAmount>();
  for (const list of slices)
    for (const m of list) {
      const k = monthlyKey(m);
      const have = merged.get(k);
      if (have) have.amount = addNullable(have.amount, m.amount);
      else merged.set(k, { ...m });
    }
  return sortMonthly([...merged.values()]);
}

/**
 * Appends the `monthly_amount_per_charge` rows and the `total_monthly_amount` rows (per owner with
 * the tax-owner rule, and per supplier) of `monthly` to `b`; every row's time is `periodStart`.
 */
export function addMonthlyAndTotals(b: WholesaleResultsBuilder, periodStart: number, monthly: MonthlyAmount[]): void {
  const monthlyList = sortMonthly([...monthly]);
  const total = (
    amountType: AmountType,
    gridArea: string,
    es: string,
    owner: string | null,
    amount: Exact | null,
    extra: Partial<WholesaleSeries> = {},
  ) => {
    b.rows.push(
      b.seriesFor({
        amountType,
        gridArea,
        energySupplierId: es,
        chargeOwnerId: owner,
        chargeCode: null,
        chargeType: null,
        isTax: null,
        meteringPointType: null,
        settlementMethod: null,
        resolution: 'P1M',
        quantityUnit: null,
        ...extra,
      }),
      periodStart,
      null,
      null,
      null,
      amount,
    );
  };
  for (const m of monthlyList) {
    total('monthly_amount_per_charge', m.gridArea, m.es, m.owner, m.amount, {
      chargeCode: m.code,
      chargeType: m.type,
      isTax: m.isTax,
      quantityUnit: m.unit,
    });
  }

  // ---- totals: tax amounts count in the (non-tax) owners' totals, per (grid area, supplier); an
  // owner is a tax owner of the (grid area, supplier) pairs where it has a tax monthly amount
  const taxOwners = new Map<string, Set<string>>();
  const taxSum = new Map<string, Exact | null>();
  const nonTax = new Map<string, { gridArea: string; es: string; owner: string; amount: Exact | null }>();
  const perEs = new Map<string, { gridArea: string; es: string; amount: Exact | null }>();
  for (const m of monthlyList) {
    const gaEs = `${m.gridArea}|${m.es}`;
    const e = perEs.get(gaEs) ?? { gridArea: m.gridArea, es: m.es, amount: null };
    e.amount = addNullable(e.amount, m.amount);
    perEs.set(gaEs, e);
    if (m.isTax) {
      (taxOwners.get(gaEs) ?? taxOwners.set(gaEs, new Set()).get(gaEs))?.add(m.owner);
      taxSum.set(gaEs, addNullable(taxSum.get(gaEs) ?? null, m.amount));
    } else {
      const k = `${m.gridArea}|${m.es}|${m.owner}`;
      const n = nonTax.get(k) ?? { gridArea: m.gridArea, es: m.es, owner: m.owner, amount: null };
      n.amount = addNullable(n.amount, m.amount);
      nonTax.set(k, n);
    }
  }
  for (const n of [...nonTax.values()].sort(
    (x, y) => x.gridArea.localeCompare(y.gridArea) || x.es.localeCompare(y.es) || x.owner.localeCompare(y.owner),
  )) {
    const gaEs = `${n.gridArea}|${n.es}`;
    const isTaxOwner = taxOwners.get(gaEs)?.has(n.owner) ?? false;
    total(
      'total_monthly_amount',
      n.gridArea,
      n.es,
      n.owner,
      isTaxOwner ? n.amount : addNullable(n.amount, taxSum.get(gaEs) ?? null),
    );
  }
  for (const e of [...perEs.values()].sort(
    (x, y) => x.gridArea.localeCompare(y.gridArea) || x.es.localeCompare(y.es),
  )) {
    total('total_monthly_amount', e.gridArea, e.es, null, e.amount);
  }
}
