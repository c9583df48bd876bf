/**
 * Tariffs, subscriptions, fees, monthly amounts and totals (docs/wholesale-calculation.md).
 * Energy quantities are milli-kWh numbers; prices micro-DKK numbers; amounts are BigInt
 * micro-DKK because price × quantity exceeds 2^53.
 */
import { localMidnight, localParts } from '../../domain/local-time';
import { HOUR_MS } from '../../domain/time';
import type { CalculationArguments } from '../../basis-data/types';
import {
  chargeKeyString,
  type ChargeData,
  type ChargeLink,
  type ChargePrice,
  type ChargePriceInformation,
} from '../../basis-data/charges';
import type { WholesaleResults } from '../../results/wholesale-results';
import {
  addMonthlyAndTotals,
  monthlyAmountsOf,
  WholesaleResultsBuilder,
  type Exact,
  type MonthlyAmount,
} from './monthly';
import type { WholesaleEnergy } from './metering-points';
import { QBIT_ACTIVE, QBITS_QUALITIES } from '../../domain/codes';

// Module-local copies: imported bindings can compile to getter calls, which must stay out of hot loops.
const ACTIVE = QBIT_ACTIVE;
const QUALITY_BITS = QBITS_QUALITIES;
const HOUR = HOUR_MS;

/** Local-day starts (Europe/Copenhagen) in [start, end), each as a UTC instant. */
export function localDayStarts(start: number, end: number): number[] {
  const out: number[] = [];
  const p = localParts(start);
  let t = p.hour === 0 && p.minute === 0 ? start : localMidnight(p.year, p.month, p.day + 1);
  while (t < end) {
    out.push(t);
    const q = localParts(t);
    t = localMidnight(q.year, q.month, q.day + 1);
  }
  return out;
}

/** q × p (milli-kWh × micro-DKK) / 1000, HALF_UP: micro-DKK, in Number arithmetic when exact. */
export function tariffAmount(q: number, p: number): Exact {
  const n = q * p;
  if (Number.isSafeInteger(n)) {
    const r = n % 1000;
    const base = (n - r) / 1000;
    return 2 * Math.abs(r) >= 1000 ? base + Math.sign(n) : base;
  }
  return divRound(BigInt(q) * BigInt(p), 1000n);
}

/** round(n / d) HALF_UP (ties away from zero) for BigInt. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return q + (n < 0n ? -1n : 1n);
  return q;
}

interface Accumulator {
  pi: ChargePriceInformation;
  gridArea: string;
  es: string;
  mpType: string;
  sm: string | null;
  qty: Float64Array;
  mask: Uint8Array;
}

export { addExact } from './monthly';

/** The period "the calculation period" of the rules refers to (a job's period, when `args` is a slice of it). */
export interface CalculationPeriod {
  start: number;
  end: number;
}

/** Wholesale results of `args`: amounts per charge, monthly amounts and totals. */
export function calculateAmounts(
  args: CalculationArguments,
  energy: WholesaleEnergy,
  charges: ChargeData,
): WholesaleResults {
  const b = new WholesaleResultsBuilder(args.calculationId, args.calculationType);
  addAmountsPerCharge(b, args, energy, charges, { start: args.periodStart, end: args.periodEnd });
  addMonthlyAndTotals(b, args.periodStart, monthlyAmountsOf(b.results()));
  return b.results();
}

/**
 * One time slice (`args`, on local-day boundaries) of a calculation over `period`: its amounts per
 * charge (final rows: each slot or local day is priced independently) and the exact partial sums
 * of the monthly amounts, which a reduce over all slices turns into the monthly amounts and totals
 * (monthly.ts). Subscriptions divide by the days of `period`, and subscription and fee prices are
 * carried forward from `period`'s start, so the slices' rows equal the whole period's.
 */
export function calculateSliceAmounts(
  args: CalculationArguments,
  energy: WholesaleEnergy,
  charges: ChargeData,
  period: CalculationPeriod,
): { results: WholesaleResults; monthly: MonthlyAmount[] } {
  const b = new WholesaleResultsBuilder(args.calculationId, args.calculationType);
  addAmountsPerCharge(b, args, energy, charges, period);
  const results = b.results();
  return { results, monthly: monthlyAmountsOf(results) };
}

/** Appends the `amount_per_charge` rows of `args`'s period (a slice of `period` or all of it) to `b`. */
function addAmountsPerCharge(
  b: WholesaleResultsBuilder,
  args: CalculationArguments,
  energy: WholesaleEnergy,
  charges: ChargeData,
  period: CalculationPeriod,
): void {
  const start = args.periodStart;
  const end = args.periodEnd;
  const days = localDayStarts(start, end);
  const nHours = energy.nHours;

  // daily energy per metering point (all its periods) and local day
  const dayOfHour = new Int32Array(nHours).fill(-1);
  for (let i = 0, h = 0; i < days.length; i++) {
    const dEnd = i + 1 < days.length ? days[i + 1] : end;
    for (; h < nHours && start + h * HOUR < dEnd; h++) if (start + h * HOUR >= days[i]) dayOfHour[h] = i;
  }
  const mpDay = new Map<string, { v: Float64Array; m: Uint8Array }>();
  for (const [mp, row] of energy.mpRow) {
    const v = new Float64Array(days.length);
    const m = new Uint8Array(days.length);
    const base = row * nHours;
    for (let h = 0; h < nHours; h++) {
      const q = energy.quality[base + h];
      if (!(q & ACTIVE) || dayOfHour[h] < 0) continue;
      v[dayOfHour[h]] += energy.energy[base + h];
      m[dayOfHour[h]] |= q;
    }
    mpDay.set(mp, { v, m });
  }

  const linksByKey = new Map<string, ChargeLink[]>();
  for (const l of charges.links)
    (linksByKey.get(chargeKeyString(l)) ?? linksByKey.set(chargeKeyString(l), []).get(chargeKeyString(l)))?.push(l);
  const pricesByKey = new Map<string, ChargePrice[]>();
  for (const p of charges.prices)
    (pricesByKey.get(chargeKeyString(p)) ?? pricesByKey.set(chargeKeyString(p), []).get(chargeKeyString(p)))?.push(p);
  for (const list of pricesByKey.values()) list.sort((a, b) => a.chargeTime - b.chargeTime);

  const accs = new Map<string, Accumulator>();
  const accFor = (
    piIdx: number,
    pi: ChargePriceInformation,
    ga: string,
    es: string,
    mpType: string,
    sm: string | null,
    n: number,
  ): Accumulator => {
    const k = `${piIdx}|${ga}|${es}|${mpType}|${sm ?? ''}`;
    let a = accs.get(k);
    if (!a) accs.set(k, (a = { pi, gridArea: ga, es, mpType, sm, qty: new Float64Array(n), mask: new Uint8Array(n) }));
    return a;
  };

  charges.priceInformation.forEach((pi, piIdx) => {
    const from = Math.max(pi.fromDate, start);
    const to = Math.min(pi.toDate ?? end, end);
    if (from >= to) return;
    const key = chargeKeyString(pi);
    const hourly = pi.chargeType === 'tariff' && pi.resolution === 'PT1H';
    for (const link of linksByKey.get(key) ?? []) {
      const list = energy.byMeteringPoint.get(link.meteringPointId);
      if (!list) continue; // not a metering point of this calculation (other grid area, exchange)
      const lFrom = Math.max(link.fromDate, from);
      const lTo = Math.min(link.toDate ?? end, to);
      if (lFrom >= lTo) continue;
      for (const pIdx of list) {
        const p = energy.periods[pIdx];
        const a0 = Math.max(lFrom, p.from);
        const a1 = Math.min(lTo, p.to);
        if (a0 >= a1) continue;
        const acc = accFor(
          piIdx,
          pi,
          p.gridArea,
          p.energySupplierId,
          p.meteringPointType,
          p.settlementMethod,
          hourly ? nHours : days.length,
        );
        if (hourly) {
          // the hour belongs to the period covering its start; its energy is the whole hour's
          const base = (energy.mpRow.get(link.meteringPointId) as number) * nHours;
          for (let h = Math.ceil((a0 - start) / HOUR); start + h * HOUR < a1; h++) {
            acc.qty[h] += energy.energy[base + h];
            acc.mask[h] |= energy.quality[base + h] | ACTIVE;
          }
        } else {
          const day = mpDay.get(link.meteringPointId) as { v: Float64Array; m: Uint8Array };
          for (let d = 0; d < days.length; d++) {
            if (days[d] < a0 || days[d] >= a1) continue; // the link and the MP period must cover the day start
            if (pi.chargeType === 'tariff') {
              acc.qty[d] += day.v[d];
              acc.mask[d] |= day.m[d] | ACTIVE;
            } else {
              acc.qty[d] += link.quantity * 1000; // factor as milli-units: quantities are written with 3 decimals
              acc.mask[d] |= ACTIVE;
            }
          }
        }
      }
    }
  });

  // ---- rows
  const rows = b.rows;
  const seriesFor = (x: Parameters<WholesaleResultsBuilder['seriesFor']>[0]): number => b.seriesFor(x);
  // days of the calculation period, not of the slice (docs/wholesale-calculation.md, subscriptions)
  const D = BigInt(localDayStarts(period.start, period.end).length);
  const lastPriceAtOrBefore = (list: ChargePrice[] | undefined, t: number, notBefore: number): number | null => {
    let found: number | null = null;
    for (const p of list ?? []) {
      if (p.chargeTime > t) break;
      if (p.chargeTime >= notBefore) found = p.priceMicro;
    }
    return found;
  };
  // tariff prices by exact charge time, built once per charge key (not per accumulator)
  const exactCache = new Map<string, Map<number, number>>();
  const exactPrices = (key: string, prices: ChargePrice[] | undefined): Map<number, number> => {
    let m = exactCache.get(key);
    if (!m) exactCache.set(key, (m = new Map((prices ?? []).map((p) => [p.chargeTime, p.priceMicro]))));
    return m;
  };
  const sortedAccs = [...accs.values()].sort(
    (x, y) =>
      chargeKeyString(x.pi).localeCompare(chargeKeyString(y.pi)) ||
      x.gridArea.localeCompare(y.gridArea) ||
      x.es.localeCompare(y.es) ||
      x.mpType.localeCompare(y.mpType) ||
      (x.sm ?? '').localeCompare(y.sm ?? '') ||
      x.pi.fromDate - y.pi.fromDate,
  );
  for (const a of sortedAccs) {
    const pi = a.pi;
    const key = chargeKeyString(pi);
    const prices = pricesByKey.get(key);
    const exact = pi.chargeType === 'tariff' ? exactPrices(key, prices) : null;
    const hourly = pi.chargeType === 'tariff' && pi.resolution === 'PT1H';
    const s = seriesFor({
      amountType: 'amount_per_charge',
      gridArea: a.gridArea,
      energySupplierId: a.es,
      chargeOwnerId: pi.chargeOwnerId,
      chargeCode: pi.chargeCode,
      chargeType: pi.chargeType,
      isTax: pi.isTax,
      meteringPointType: a.mpType,
      settlementMethod: a.sm,
      resolution: hourly ? 'PT1H' : 'P1D',
      quantityUnit: pi.chargeType === 'tariff' ? 'kWh' : 'pcs',
    });
    for (let i = 0; i < a.qty.length; i++) {
      if (!(a.mask[i] & ACTIVE)) continue;
      const time = hourly ? start + i * HOUR : days[i];
      const qty = a.qty[i];
      let price: number | null;
      let amount: Exact | null = null;
      if (pi.chargeType === 'tariff') {
        price = exact?.get(time) ?? null;
        if (price !== null) amount = tariffAmount(qty, price);
      } else {
        // only price points inside the calculation period count (from its start, also in a later
        // slice), and only since the price information start
        const p = lastPriceAtOrBefore(prices, time, Math.max(pi.fromDate, period.start));
        price = p === null ? null : pi.chargeType === 'subscription' ? Number(divRound(BigInt(p), D)) : p;
        if (price !== null) {
          const n = (qty / 1000) * price; // qty is a whole number of pieces in milli-units
          amount = Number.isSafeInteger(n) ? n : BigInt(qty / 1000) * BigInt(price);
        }
      }
      rows.push(s, time, qty, pi.chargeType === 'tariff' ? a.mask[i] & QUALITY_BITS : 0, price, amount);
    }
  }
}
