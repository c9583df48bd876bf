/**
 * Seeded synthetic basis data for differential tests and benchmarks.
 *
 * Deterministic: everything comes from a small counter-based PRNG seeded from `seed` (no
 * Math.random), and the points of a day depend only on (seed, day), so `forEachDay` can be called
 * repeatedly and gives the same data. Points are produced columnar, one day at a time (memory per
 * day only): 20,000 metering points × 31 days ≈ 40 M points never exist as objects.
 *
 * What the data contains (per metering point a few random "stories"):
 * - grid areas `800…` (or `100…` beyond 199 areas); the calculation covers the first
 *   `calculationGridAreas` of them, so exchange with a non-calculated area occurs;
 * - parent metering points E17 (E02 non-profiled / D01 flex, a few without settlement method),
 *   E18, E20; child metering points (D01/D06/D07/D14 with a parent) that energy must ignore;
 * - PT15M and PT1H, plus resolution changes PT1H → PT15M at an hour boundary;
 * - supplier and BRP changes inside the period (PT15M ones at quarter boundaries, often mid-hour),
 *   move-ins and move-outs inside the period, gaps between two periods, periods entirely before or
 *   after the period (including ones ending exactly at its start or starting exactly at its end);
 * - exchange between neighbouring areas in both directions, one-directional pairs, an exchange
 *   metering point located in a calculated area exchanging between two other areas, `to = from`
 *   pairs (one in a calculated area, one in the non-calculated one), an exchange metering point
 *   without readings;
 * - per grid area a grid-loss (E17 D01, calculation_type grid-loss) and a system-correction (E18)
 *   metering point, with a supplier change inside the period on some of them (one mid-hour), and
 *   readings of their own (which the calculation must ignore);
 * - missing points (random and in blocks), metering points without any readings, readings in the gap
 *   between two periods and of metering points without master data (both ignored), null quantities,
 *   all four qualities, quantities with 3 decimals (most not divisible by 4, so quarter splits
 *   produce carry-rounding cases), points outside the period;
 * - with `bitemporal`, a registration time per point, corrections registered later (some before,
 *   some after the as-of) and points whose only registration is after the as-of.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CalculationArguments } from '../shared/basis-data/types';
import { METERING_POINT_PERIOD_COLUMNS } from '../shared/basis-data/master-data';
import {
  DEFAULT_QUARTERLY_TRANSITION,
  isAggregationOrBalanceFixing,
  type CalculationType,
} from '../shared/domain/codes';
import { formatScaled } from '../shared/decimal/scaled';
import { resultNamespaceUuid } from '../shared/results/result-id';

export interface SyntheticOptions {
  seed: number;
  /** Number of ordinary metering points (grid-loss metering points come on top: two per grid area). */
  meteringPoints: number;
  gridAreas: number;
  /** Length of the calculation period in (local) days. */
  days: number;
  /** Start of the calculation period, e.g. '2023-11-01T23:00:00Z' (local midnight). */
  periodStart: string;
  /** Share of PT15M metering points (default 0.5). */
  quarterShare?: number;
  /** Add registration_time, corrections and an as-of (default false). */
  bitemporal?: boolean;
  /** Calculation type of `args` (default balance_fixing). */
  calculationType?: CalculationType;
  /** How many of the grid areas are calculated (default gridAreas - 1, at least 1). */
  calculationGridAreas?: number;
  /** Probability that a slot has no point (default 0.03). */
  missingShare?: number;
  /** Probability that a point has a null quantity (default 0.005). */
  nullShare?: number;
  /** Active energy suppliers per grid area (default 4); each has a main and sometimes a second BRP. */
  suppliersPerGridArea?: number;
  /** Written to the arguments when given (ISO). */
  quarterlyTransition?: string;
  /**
   * Relative size of each grid area (length = gridAreas): ordinary metering points are spread by
   * these weights instead of uniformly (national-shaped samples: a few large areas, many small).
   */
  gridAreaWeights?: readonly number[];
  /** Share of ordinary metering points that are exchange metering points (default 0.12). */
  exchangeShare?: number;
}

/** Points of one observation date (UTC), columnar. */
export interface SyntheticDay {
  /** UTC date of the observations, `YYYY-MM-DD`. */
  date: string;
  /** Index into `SyntheticData.meteringPointIds`. */
  mp: Int32Array;
  /** Observation time, epoch ms. */
  time: Float64Array;
  /** Integer milli-kWh; 0 where the quantity is null. */
  quantityMilli: Float64Array;
  /** 0 missing, 1 estimated, 2 measured, 3 calculated. */
  quality: Uint8Array;
  /** 1 where the quantity is null. */
  quantityNull: Uint8Array;
  /** Registration time, epoch ms (whole seconds); null unless bitemporal. */
  registration: Float64Array | null;
  length: number;
}

export interface SyntheticData {
  /** Rows of metering_point_periods.csv in `PERIOD_COLUMNS` order; '' = null. */
  periods: string[][];
  gridLossMeteringPointIds: string[];
  /** Every metering point id; `SyntheticDay.mp` indexes this array. */
  meteringPointIds: string[];
  /** All generated grid areas (the calculated ones are `args.gridAreas`). */
  gridAreas: string[];
  args: CalculationArguments;
  bitemporal: boolean;
  /** First and last+1 instant of the generated points (whole UTC days around the period). */
  pointsFrom: number;
  pointsTo: number;
  /**
   * Calls `cb` once per observation date (UTC), in date order. The arrays of a day are reused for
   * the next day: copy them if they must outlive the callback.
   */
  forEachDay(cb: (day: SyntheticDay) => void): void;
  /** The same days as an iterator, for consumers that await between days (e.g. async Parquet writers). */
  days(): Generator<SyntheticDay, void, undefined>;
}

/** Column order of metering_point_periods (the one list in shared/basis-data/master-data.ts). */
export const PERIOD_COLUMNS = METERING_POINT_PERIOD_COLUMNS;

const Q_MS = 900_000;
const H_MS = 3_600_000;
const D_MS = 86_400_000;

/** mulberry32: small, fast, good enough for test data. */
/** Small seeded PRNG (no Math.random: data must be reproducible). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(...xs: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

function parseIso(s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`not an ISO timestamp: ${s}`);
  return ms;
}

const copenhagenHour = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Copenhagen',
  hour: '2-digit',
  hourCycle: 'h23',
});
function localHour(ms: number): number {
  return Number(copenhagenHour.format(new Date(ms)));
}

/** `days` local (Europe/Copenhagen) days after a local midnight; plain 24 h steps otherwise. */
function addLocalDays(ms: number, days: number): number {
  const candidate = ms + days * D_MS;
  if (localHour(ms) !== 0) return candidate;
  const h = localHour(candidate);
  if (h === 23) return candidate + H_MS;
  if (h === 1) return candidate - H_MS;
  return candidate;
}

interface Segment {
  s: number;
  /** Exclusive end; Infinity = open. */
  e: number;
  res: number;
  /** Points but no master-data row (readings outside every period: the calculation ignores them). */
  ghost?: boolean;
}

interface MpDef {
  id: string;
  segments: Segment[];
  /** Typical milli-kWh per hour. */
  baseMilliPerHour: number;
  production: boolean;
  noData: boolean;
  gapStart: number;
  gapEnd: number;
}

interface PeriodAttrs {
  type: string;
  calculationType: string;
  settlementMethod: string;
  gridArea: string;
  fromGa: string;
  toGa: string;
  parent: string;
  es: string;
  brp: string;
}

class Columns {
  length = 0;
  mp: Int32Array;
  time: Float64Array;
  qty: Float64Array;
  quality: Uint8Array;
  isNull: Uint8Array;
  reg: Float64Array | null;
  constructor(
    capacity: number,
    private readonly withReg: boolean,
  ) {
    this.mp = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.quality = new Uint8Array(capacity);
    this.isNull = new Uint8Array(capacity);
    this.reg = withReg ? new Float64Array(capacity) : null;
  }
  private grow(): void {
    const cap = this.mp.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.mp = g(this.mp, (n) => new Int32Array(n));
    this.time = g(this.time, (n) => new Float64Array(n));
    this.qty = g(this.qty, (n) => new Float64Array(n));
    this.quality = g(this.quality, (n) => new Uint8Array(n));
    this.isNull = g(this.isNull, (n) => new Uint8Array(n));
    if (this.reg) this.reg = g(this.reg, (n) => new Float64Array(n));
  }
  push(mp: number, time: number, qty: number, quality: number, isNull: number, reg: number): void {
    if (this.length === this.mp.length) this.grow();
    const i = this.length++;
    this.mp[i] = mp;
    this.time[i] = time;
    this.qty[i] = qty;
    this.quality[i] = quality;
    this.isNull[i] = isNull;
    if (this.reg) this.reg[i] = reg;
  }
  view(date: string): SyntheticDay {
    const n = this.length;
    return {
      date,
      mp: this.mp.subarray(0, n),
      time: this.time.subarray(0, n),
      quantityMilli: this.qty.subarray(0, n),
      quality: this.quality.subarray(0, n),
      quantityNull: this.isNull.subarray(0, n),
      registration: this.withReg && this.reg ? this.reg.subarray(0, n) : null,
      length: n,
    };
  }
}

function cumulativeWeights(weights: readonly number[], n: number): Float64Array {
  if (weights.length !== n || weights.some((w) => !(w > 0)))
    throw new RangeError(`gridAreaWeights: need ${n} positive weights, got ${weights.length}`);
  const c = new Float64Array(n);
  let sum = 0;
  weights.forEach((w, i) => (c[i] = sum += w));
  return c.map((x) => x / sum);
}

function pickWeighted(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cumulative[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function generateSynthetic(o: SyntheticOptions): SyntheticData {
  const rng = mulberry32(hashSeed(o.seed, 1));
  const rand = (n: number): number => Math.floor(rng() * n);
  const chance = (p: number): boolean => rng() < p;

  const PS = parseIso(o.periodStart);
  const PE = addLocalDays(PS, o.days);
  const quarterShare = o.quarterShare ?? 0.5;
  const bitemporal = o.bitemporal ?? false;
  const missingShare = o.missingShare ?? 0.03;
  const nullShare = o.nullShare ?? 0.005;
  const calculationType: CalculationType = o.calculationType ?? 'balance_fixing';
  const G = Math.max(1, o.gridAreas);
  const nCalc = Math.max(1, Math.min(G, o.calculationGridAreas ?? G - 1));
  const gridAreas = Array.from({ length: G }, (_, i) => String(G <= 199 ? 800 + i : 100 + i));
  const calcGridAreas = gridAreas.slice(0, nCalc);

  const executionTimeStart = PE + (bitemporal ? 7 : 1) * D_MS;
  const asOf = bitemporal ? PE + 3 * D_MS : executionTimeStart;
  const args: CalculationArguments = {
    calculationId: resultNamespaceUuid(`synthetic|${o.seed}|${o.periodStart}|${o.days}|${calculationType}`),
    calculationType,
    gridAreas: calcGridAreas,
    periodStart: PS,
    periodEnd: PE,
    executionTimeStart,
    createdByUserId: '00000000-0000-4000-8000-000000000001',
    quarterlyTransition: parseIso(o.quarterlyTransition ?? DEFAULT_QUARTERLY_TRANSITION),
    asOf,
    allowPartialMonth: !isAggregationOrBalanceFixing(calculationType),
  };

  // Actors: suppliers with a primary (and sometimes a secondary) BRP.
  const nEs = Math.max(4, Math.ceil(G * 1.5));
  const nBrp = Math.max(3, Math.ceil(nEs / 2));
  const esIds = Array.from({ length: nEs }, (_, i) => `57900000${String(i + 1).padStart(5, '0')}`);
  const brpIds = Array.from({ length: nBrp }, (_, i) => `57910000${String(i + 1).padStart(5, '0')}`);
  // Each grid area has a few active suppliers (realistic combo counts: results stay far smaller than the points).
  const spg = Math.max(1, Math.min(nEs, o.suppliersPerGridArea ?? 4));
  const gaSuppliers = (g: number): number[] => Array.from({ length: spg }, (_, j) => (g * 3 + j) % nEs);
  const pickEs = (g: number): number => gaSuppliers(g)[rand(spg)];
  const brpOf = (es: number): string => brpIds[chance(0.2) ? (es + 1) % nBrp : es % nBrp];

  const mps: MpDef[] = [];
  const periods: string[][] = [];
  const gridLossIds: string[] = [];
  let counter = 0;
  const newId = (typeDigits: string): string => `571313${typeDigits}${String(++counter).padStart(10, '0')}`;

  const alignedInside = (res: number): number => {
    const n = (PE - PS) / res;
    return PS + (1 + rand(Math.max(1, n - 1))) * res;
  };
  const longBefore = (): number => PS - (1 + rand(400)) * D_MS;

  const addMp = (
    attrs: PeriodAttrs,
    segs: Array<Segment & { es?: string; brp?: string }>,
    kind: 'cons' | 'prod' | 'exch' | 'child',
  ): MpDef => {
    const id = newId(attrs.type === 'E17' ? '17' : attrs.type === 'E18' ? '18' : attrs.type === 'E20' ? '20' : '07');
    for (const seg of segs) {
      if (seg.ghost) continue;
      periods.push([
        id,
        attrs.type,
        attrs.calculationType,
        attrs.settlementMethod,
        attrs.gridArea,
        seg.res === Q_MS ? 'PT15M' : 'PT1H',
        attrs.fromGa,
        attrs.toGa,
        attrs.parent,
        seg.es ?? attrs.es,
        seg.brp ?? attrs.brp,
        isoSeconds(seg.s),
        seg.e === Infinity ? '' : isoSeconds(seg.e),
      ]);
    }
    const base =
      kind === 'exch'
        ? 5_000 + rand(400_000)
        : kind === 'prod'
          ? 1_000 + rand(60_000)
          : kind === 'child'
            ? 100 + rand(2_000)
            : 150 + rand(3_000);
    const gapLen = chance(0.06) ? (2 + rand(30)) * H_MS : 0;
    const gapStart = gapLen ? PS - 6 * H_MS + rand(Math.max(1, (PE - PS) / H_MS)) * H_MS : 0;
    const def: MpDef = {
      id,
      segments: segs.map(({ s, e, res, ghost }) => ({ s, e, res, ghost })),
      baseMilliPerHour: base,
      production: kind === 'prod',
      noData: chance(0.01),
      gapStart,
      gapEnd: gapStart + gapLen,
    };
    mps.push(def);
    return def;
  };

  const NONE: Omit<PeriodAttrs, 'type' | 'gridArea'> = {
    calculationType: '',
    settlementMethod: '',
    fromGa: '',
    toGa: '',
    parent: '',
    es: '',
    brp: '',
  };

  // Grid-loss and system-correction metering points, with readings of their own.
  gridAreas.forEach((ga, g) => {
    for (const type of ['E17', 'E18'] as const) {
      const res = g === 0 && type === 'E17' ? Q_MS : chance(0.5) ? Q_MS : H_MS;
      const es1 = pickEs(g);
      const es2 = gaSuppliers(g).find((e) => e !== es1) ?? (es1 + 1) % nEs;
      const attrs: PeriodAttrs = {
        ...NONE,
        type,
        gridArea: ga,
        calculationType: type === 'E17' ? 'grid-loss' : 'system-correction',
        settlementMethod: type === 'E17' ? 'D01' : '',
        es: esIds[es1],
        brp: brpIds[es1 % nBrp],
      };
      const from = PS - 100 * D_MS;
      // Supplier changes: mid-hour on GA 0's grid-loss MP, on an hour boundary elsewhere.
      let change = 0;
      if (g === 0 && type === 'E17') change = PS + Math.floor((PE - PS) / 2 / H_MS) * H_MS + Q_MS;
      else if (g === 1 && type === 'E18') change = PS + Math.floor((PE - PS) / 3 / H_MS) * H_MS;
      else if (g === 2 && type === 'E17') change = PS + 5 * H_MS;
      const segs = change
        ? [
            { s: from, e: change, res },
            { s: change, e: Infinity, res, es: esIds[es2], brp: brpIds[es2 % nBrp] },
          ]
        : [{ s: from, e: Infinity, res }];
      const def = addMp(attrs, segs, type === 'E17' ? 'cons' : 'prod');
      gridLossIds.push(def.id);
    }
  });

  // Special exchange metering points.
  const exch = (located: number, from: number, to: number, noData = false): void => {
    const res = chance(quarterShare) ? Q_MS : H_MS;
    const def = addMp(
      { ...NONE, type: 'E20', gridArea: gridAreas[located], fromGa: gridAreas[from], toGa: gridAreas[to] },
      [{ s: longBefore(), e: Infinity, res }],
      'exch',
    );
    if (noData) def.noData = true;
  };
  if (G >= 3) {
    exch(0, 1, 2); // located in a calculated area, exchanging between two other areas
    exch(1, 0, 0); // to = from = a calculated area, located elsewhere → neighbour row (A, A) = 0
    exch(0, G - 1, G - 1); // to = from = the non-calculated area, located in a calculated one → ignored
    exch(0, 0, 1, true); // no readings at all → 0.000 ['missing']
  }

  // Metering points with readings but without any master data (ignored).
  for (let k = 0; k < 2; k++) {
    addMp(
      { ...NONE, type: 'E17', gridArea: gridAreas[0], settlementMethod: 'E02' },
      [{ s: PS - D_MS, e: Infinity, res: H_MS, ghost: true }],
      'cons',
    );
  }

  const childParents: string[] = [];
  const nOrdinary = Math.max(0, o.meteringPoints);
  const cumulative = o.gridAreaWeights ? cumulativeWeights(o.gridAreaWeights, G) : null;
  const exchangeShare = o.exchangeShare ?? 0.12;
  for (let i = 0; i < nOrdinary; i++) {
    const g = cumulative ? pickWeighted(cumulative, rng()) : rand(G);
    const ga = gridAreas[g];
    const drawn = rng();
    let res = chance(quarterShare) ? Q_MS : H_MS;
    if (drawn < exchangeShare && G >= 2) {
      // Exchange: even areas exchange both ways with the next one, odd areas only export to it.
      const nbIdx = (g + 1) % G;
      const out = g % 2 === 1 || chance(0.5);
      const segs = exchangeSegments(res);
      addMp(
        { ...NONE, type: 'E20', gridArea: ga, fromGa: out ? ga : gridAreas[nbIdx], toGa: out ? gridAreas[nbIdx] : ga },
        segs,
        'exch',
      );
      continue;
    }
    // the other kinds keep their shares of the non-exchange draws: [exchangeShare, 1) maps onto
    // [0.12, 1), so the default share gives exactly the data it always gave
    const r = exchangeShare === 0.12 ? drawn : 0.12 + ((drawn - exchangeShare) * 0.88) / (1 - exchangeShare);
    if (r < 0.15 && childParents.length > 0) {
      const type = ['D01', 'D06', 'D07', 'D14'][rand(4)];
      addMp(
        { ...NONE, type, gridArea: ga, parent: childParents[rand(childParents.length)] },
        [{ s: longBefore(), e: Infinity, res: H_MS }],
        'child',
      );
      continue;
    }
    const type = r < 0.32 ? 'E18' : 'E17';
    const settlementMethod = type === 'E18' ? '' : r < 0.335 ? '' : r < 0.6 ? 'D01' : 'E02';
    const es = pickEs(g);
    const attrs: PeriodAttrs = { ...NONE, type, gridArea: ga, settlementMethod, es: esIds[es], brp: brpOf(es) };
    const otherEs = (): { es: string; brp: string } => {
      const others = gaSuppliers(g).filter((e) => e !== es);
      const e2 = others.length ? others[rand(others.length)] : (es + 1) % nEs;
      return { es: esIds[e2], brp: chance(0.5) ? attrs.brp : brpOf(e2) };
    };
    const v = rng();
    const base = longBefore();
    let segs: Array<Segment & { es?: string; brp?: string }>;
    if (v < 0.1) {
      const tc = alignedInside(res);
      segs = [
        { s: base, e: tc, res },
        { s: tc, e: Infinity, res, ...otherEs() },
      ];
    } else if (v < 0.16) {
      segs = [{ s: alignedInside(res), e: Infinity, res }];
    } else if (v < 0.22) {
      segs = [{ s: base, e: alignedInside(res), res }];
    } else if (v < 0.26) {
      const a = alignedInside(res);
      const b = Math.min(PE, a + (1 + rand(12)) * res);
      segs = [
        { s: base, e: a, res },
        { s: b, e: Infinity, res, ...(chance(0.5) ? otherEs() : {}) },
      ];
      if (chance(0.5)) segs.push({ s: a, e: b, res, ghost: true }); // stray readings in the gap
    } else if (v < 0.28) {
      segs = [{ s: base, e: chance(0.5) ? PS : PS - rand(20) * H_MS, res }];
    } else if (v < 0.3) {
      segs = [{ s: chance(0.5) ? PE : PE + rand(20) * H_MS, e: Infinity, res }];
    } else if (v < 0.34) {
      res = H_MS;
      const tc = alignedInside(H_MS);
      segs = [
        { s: base, e: tc, res: H_MS },
        { s: tc, e: Infinity, res: Q_MS },
      ];
    } else {
      segs = [{ s: base, e: chance(0.2) ? PE + (1 + rand(100)) * D_MS : Infinity, res }];
    }
    const def = addMp(attrs, segs, type === 'E18' ? 'prod' : 'cons');
    if (type === 'E17' && childParents.length < 50) childParents.push(def.id);
  }

  function exchangeSegments(res: number): Segment[] {
    const v = rng();
    const base = longBefore();
    if (v < 0.06) return [{ s: alignedInside(res), e: Infinity, res }];
    if (v < 0.12) return [{ s: base, e: alignedInside(res), res }];
    if (v < 0.16) {
      const a = alignedInside(res);
      return [
        { s: base, e: a, res },
        { s: Math.min(PE, a + (1 + rand(8)) * res), e: Infinity, res },
      ];
    }
    return [{ s: base, e: Infinity, res }];
  }

  const pointsFrom = Math.floor(PS / D_MS) * D_MS;
  const pointsTo = Math.ceil(PE / D_MS) * D_MS;
  const nDays = (pointsTo - pointsFrom) / D_MS;
  const meteringPointIds = mps.map((m) => m.id);
  const capacity = Math.max(1024, Math.ceil(mps.length * 96 * (bitemporal ? 1.1 : 1)));

  function* days(): Generator<SyntheticDay, void, undefined> {
    const cols = new Columns(capacity, bitemporal);
    for (let d = 0; d < nDays; d++) {
      const ds = pointsFrom + d * D_MS;
      const de = ds + D_MS;
      const r = mulberry32(hashSeed(o.seed, 2, d));
      cols.length = 0;
      for (let i = 0; i < mps.length; i++) {
        const mp = mps[i];
        if (mp.noData) continue;
        for (const seg of mp.segments) {
          const lo = Math.max(seg.s, ds);
          const hi = Math.min(seg.e, de);
          const perSlot = (mp.baseMilliPerHour * seg.res) / H_MS;
          for (let t = lo; t < hi; t += seg.res) {
            if (r() < missingShare) continue;
            if (t >= mp.gapStart && t < mp.gapEnd) continue;
            let qty: number;
            if (mp.production && r() < 0.15) qty = 0;
            else qty = Math.round(perSlot * (0.3 + 1.4 * r()));
            let isNull = 0;
            let quality: number;
            const qr = r();
            quality = qr < 0.9 ? 2 : qr < 0.96 ? 1 : qr < 0.99 ? 3 : 0;
            if (r() < nullShare) {
              isNull = 1;
              qty = 0;
              quality = r() < 0.7 ? 0 : 1;
            }
            if (!bitemporal) {
              cols.push(i, t, qty, quality, isNull, 0);
              continue;
            }
            // Registrations in whole seconds: originals on even seconds, corrections on odd ones.
            const late = r() < 0.005;
            const reg = late
              ? asOf + H_MS + 2_000 * Math.floor(r() * 43_200)
              : t + H_MS + 2_000 * Math.floor(r() * 86_400);
            cols.push(i, t, qty, quality, isNull, reg);
            if (r() < 0.04) {
              let creg = PE + 1_000 * (2 * Math.floor(r() * 259_200) + 1); // PE … PE + 6 days, odd seconds
              const n = r() < 0.25 ? 2 : 1;
              for (let k = 0; k < n; k++) {
                const cNull = r() < 0.05 ? 1 : 0;
                const cQty = cNull ? 0 : Math.round(qty * (0.8 + 0.4 * r()) + (qty === 0 ? r() * perSlot : 0));
                cols.push(i, t, cQty, cNull ? 0 : r() < 0.8 ? 2 : 1, cNull, creg);
                creg += 2_000 * (1 + Math.floor(r() * 50_000));
              }
            }
          }
        }
      }
      yield cols.view(new Date(ds).toISOString().slice(0, 10));
    }
  }
  const forEachDay = (cb: (day: SyntheticDay) => void): void => {
    for (const day of days()) cb(day);
  };

  return {
    periods,
    gridLossMeteringPointIds: gridLossIds,
    meteringPointIds,
    gridAreas,
    args,
    bitemporal,
    pointsFrom,
    pointsTo,
    forEachDay,
    days,
  };
}

const QUALITY_NAMES = ['missing', 'estimated', 'measured', 'calculated'] as const;

/** `calculation_arguments.yml` text for the arguments (timestamps quoted ISO strings). */
export function calculationArgumentsYaml(
  args: CalculationArguments,
  opts: { asOf?: boolean; transition?: boolean } = {},
): string {
  const lines = [
    `calculation-id: "${args.calculationId}"`,
    `calculation-type: ${args.calculationType}`,
    `grid-areas: [${args.gridAreas.map((g) => `"${g}"`).join(', ')}]`,
    `period-start-datetime: "${isoSeconds(args.periodStart)}"`,
    `period-end-datetime: "${isoSeconds(args.periodEnd)}"`,
    `calculation-execution-time-start: "${isoSeconds(args.executionTimeStart)}"`,
    `created-by-user-id: "${args.createdByUserId}"`,
  ];
  if (opts.transition || args.quarterlyTransition !== Date.parse(DEFAULT_QUARTERLY_TRANSITION)) {
    lines.push(`quarterly-resolution-transition-datetime: "${isoSeconds(args.quarterlyTransition)}"`);
  }
  if (opts.asOf || args.asOf !== args.executionTimeStart) lines.push(`as-of: "${isoSeconds(args.asOf)}"`);
  if (args.allowPartialMonth) lines.push('allow-partial-month: true');
  return lines.join('\n') + '\n';
}

/** Writes the scenario folder layout `DIR/when/*` for the data. */
export function writeScenarioCsv(dir: string, data: SyntheticData): void {
  const when = path.join(dir, 'when');
  fs.mkdirSync(when, { recursive: true });
  fs.writeFileSync(
    path.join(when, 'metering_point_periods.csv'),
    [PERIOD_COLUMNS.join(';'), ...data.periods.map((r) => r.join(';'))].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(when, 'grid_loss_metering_points.csv'),
    ['metering_point_id', ...data.gridLossMeteringPointIds].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(when, 'calculation_arguments.yml'),
    calculationArgumentsYaml(data.args, { asOf: data.bitemporal }),
  );
  const fd = fs.openSync(path.join(when, 'time_series_points.csv'), 'w');
  try {
    fs.writeSync(
      fd,
      `metering_point_id;quantity;quality;observation_time${data.bitemporal ? ';registration_time' : ''}\n`,
    );
    const ids = data.meteringPointIds;
    data.forEachDay((day) => {
      const lines: string[] = [];
      for (let i = 0; i < day.length; i++) {
        let line = `${ids[day.mp[i]]};${day.quantityNull[i] ? '' : formatScaled(day.quantityMilli[i], 3)};${QUALITY_NAMES[day.quality[i]]};${isoSeconds(day.time[i])}`;
        if (day.registration) line += `;${isoSeconds(day.registration[i])}`;
        lines.push(line);
        if (lines.length >= 50_000) {
          fs.writeSync(fd, lines.join('\n') + '\n');
          lines.length = 0;
        }
      }
      if (lines.length) fs.writeSync(fd, lines.join('\n') + '\n');
    });
  } finally {
    fs.closeSync(fd);
  }
}
