/**
 * Evaluates KPI definitions (definitions.ts) per bucket, exactly.
 *
 * Inputs are on one quarter-hour grid [fromMs, toMs) (quarter-aligned): the energy per quarter
 * in micro-kWh (exact integers in doubles, readings.ts) and, per market input, W_q = Σ value ×
 * minutes of the market intervals overlapping quarter q (value × 10^6; an hourly price overlaps
 * each of its quarters for 15 minutes, a 5-minute value for 5) with the minutes covered. So the
 * input's value for the quarter is W_q / 15 (its time-weighted mean) and
 *
 *   Σ energy × input = Σ_q e_q · W_q / (15 · 10^12)   (e in micro-kWh, W in 10^-6 units · minutes)
 *
 * is kept as an exact rational (BigInt numerator and denominator) per bucket; every KPI — ratios
 * included — is rounded once, half to even, to 6 decimals when it is formatted. A bucket in which
 * a quarter with energy has no (or only part of an) input value gets null for the KPIs using that
 * input (and ratios over them) and lists the input under `missing`; quarters without readings
 * count as no energy and are reported as `quartersWithEnergy` < `quarters`.
 */
import type { MarketSeries } from '../market-data/market-series';
import { QUARTER_MS } from '../domain/time';
import { divHalfEven, formatScaledBig, ONE } from '../timeseries/exact';
import type { KpiDefinition, KpiDefinitions } from './definitions';

const MIN = 60_000;

export interface QuarterGrid {
  fromMs: number;
  quarters: number;
}

/** A market input on the quarter grid. */
export interface QuarterInput {
  /** Σ value × 10^6 × overlapping minutes. */
  w: BigInt64Array;
  /** Minutes of the quarter covered (15 = complete). */
  covered: Uint8Array;
}

/** Spreads a market series over the quarter grid (sorted, non-overlapping intervals). */
export function quarterInput(grid: QuarterGrid, s: MarketSeries): QuarterInput {
  const w = new BigInt64Array(grid.quarters);
  const covered = new Uint8Array(grid.quarters);
  const gridEnd = grid.fromMs + grid.quarters * QUARTER_MS;
  for (let i = 0; i < s.startMs.length; i++) {
    const start = Math.max(s.startMs[i], grid.fromMs);
    const end = Math.min(s.startMs[i] + s.minutes[i] * MIN, gridEnd);
    if (end <= start) continue;
    const v = s.value[i];
    for (let q = Math.floor((start - grid.fromMs) / QUARTER_MS); q * QUARTER_MS + grid.fromMs < end; q++) {
      const qs = grid.fromMs + q * QUARTER_MS;
      const overlap = (Math.min(end, qs + QUARTER_MS) - Math.max(start, qs)) / MIN;
      if (overlap <= 0) continue;
      w[q] += v * BigInt(overlap);
      covered[q] += overlap;
    }
  }
  return { w, covered };
}

export interface KpiBucketValue {
  /** 6 decimals, or null (missing input, or a ratio over zero). */
  value: string | null;
}

export interface KpiResult {
  startMs: Float64Array;
  endMs: Float64Array;
  quarters: Int32Array;
  quartersWithEnergy: Int32Array;
  /** Per KPI name, per bucket. */
  values: Map<string, Array<string | null>>;
  /** Per bucket: inputs missing for some quarter with energy. */
  missing: Array<string[]>;
}

interface Rational {
  n: bigint;
  d: bigint;
}

/**
 * Evaluates `names` (and what they depend on) per bucket. `edges` are quarter-aligned bucket
 * edges within the grid (bucket.ts bucketEdges, clipped by the caller to the grid).
 */
export function evaluateKpis(
  defs: KpiDefinitions,
  names: readonly string[],
  grid: QuarterGrid,
  energyMicro: Float64Array,
  energyPresent: Uint8Array,
  inputs: ReadonlyMap<string, QuarterInput>,
  edges: Float64Array,
): KpiResult {
  const nb = Math.max(0, edges.length - 1);
  const byName = new Map(defs.kpis.map((k) => [k.name, k]));
  const needed = new Set<string>();
  const need = (n: string) => {
    if (needed.has(n)) return;
    const k = byName.get(n);
    if (!k) throw new RangeError(`no KPI ${n}`);
    if ('ratio' in k.formula) k.formula.ratio.forEach(need);
    needed.add(n);
  };
  names.forEach(need);
  const order = defs.kpis.filter((k) => needed.has(k.name)); // definitions list dependencies first
  const quarters = new Int32Array(nb);
  const withEnergy = new Int32Array(nb);
  const missing: string[][] = Array.from({ length: nb }, () => []);
  const exact = new Map<string, Array<Rational | null>>();
  // the bucket's quarter range [q0, q1)
  const qOf = (t: number) => Math.round((t - grid.fromMs) / QUARTER_MS);
  for (let b = 0; b < nb; b++) {
    const q0 = Math.max(0, qOf(edges[b]));
    const q1 = Math.min(grid.quarters, qOf(edges[b + 1]));
    quarters[b] = (edges[b + 1] - edges[b]) / QUARTER_MS;
    for (let q = q0; q < q1; q++) withEnergy[b] += energyPresent[q];
  }
  for (const k of order) {
    const out: Array<Rational | null> = new Array<Rational | null>(nb).fill(null);
    const f = k.formula;
    const mul = BigInt(f.multiply);
    const div = BigInt(f.divide);
    for (let b = 0; b < nb; b++) {
      const q0 = Math.max(0, qOf(edges[b]));
      const q1 = Math.min(grid.quarters, qOf(edges[b + 1]));
      if ('ratio' in f) {
        const a = exact.get(f.ratio[0])?.[b] ?? null;
        const c = exact.get(f.ratio[1])?.[b] ?? null;
        if (a === null || c === null || c.n === 0n) continue;
        out[b] = { n: a.n * c.d * mul, d: a.d * c.n * div };
        continue;
      }
      if (f.times === undefined) {
        let s = 0; // micro-kWh: exact integers in a double while |Σ| < 2^53 (see readings.ts)
        for (let q = q0; q < q1; q++) s += energyMicro[q];
        out[b] = { n: BigInt(s) * mul, d: ONE * div };
        continue;
      }
      const input = inputs.get(f.times) as QuarterInput;
      let n = 0n;
      let complete = true;
      for (let q = q0; q < q1; q++) {
        if (energyPresent[q] === 0) continue;
        if (input.covered[q] !== 15) {
          complete = false;
          break;
        }
        const e = energyMicro[q];
        if (e !== 0) n += BigInt(e) * input.w[q];
      }
      if (!complete) {
        if (!missing[b].includes(f.times)) missing[b].push(f.times);
        continue;
      }
      out[b] = { n: n * mul, d: 15n * ONE * ONE * div };
    }
    exact.set(k.name, out);
  }
  const values = new Map<string, Array<string | null>>();
  for (const name of names)
    values.set(
      name,
      (exact.get(name) as Array<Rational | null>).map((r) =>
        r === null ? null : formatScaledBig(divHalfEven(r.n * ONE, r.d)),
      ),
    );
  return {
    startMs: edges.subarray(0, nb),
    endMs: edges.subarray(1),
    quarters,
    quartersWithEnergy: withEnergy,
    values,
    missing,
  };
}

/** The inputs a set of KPIs reads (names of `defs.inputs`). */
export function inputsOf(defs: KpiDefinitions, names: readonly string[]): string[] {
  const byName = new Map(defs.kpis.map((k) => [k.name, k]));
  const out = new Set<string>();
  const visit = (k: KpiDefinition | undefined) => {
    if (!k) return;
    if ('ratio' in k.formula) k.formula.ratio.forEach((r) => visit(byName.get(r)));
    else if (k.formula.times !== undefined) out.add(k.formula.times);
  };
  names.forEach((n) => visit(byName.get(n)));
  return [...out];
}
