/**
 * Hot columnar kernels. No objects are allocated per point: points are scattered into dense
 * per-(period, slot) cells, and cells are summed into per-(group, result slot) accumulators.
 * Quantities are exact integers (milli-kWh in cells, micro-kWh in accumulators).
 */
import { QBIT_ACTIVE, QBIT_CALCULATED, QBIT_ESTIMATED, QBIT_MEASURED, QBIT_MISSING } from '../../domain/codes';
import { MILLI_TO_MICRO, MILLI_TO_MICRO_QUARTER } from '../../decimal/scaled';
import { ValidationError } from '../../basis-data/errors';
import { InvariantError } from '../../domain/errors';
import { DAY_MS, formatInstant, HOUR_MS } from '../../domain/time';
import type { TimeSeriesBatch } from '../../basis-data/types';
import { storePoint, type Cells } from '../../basis-data/point-cells';

// Module-local copies: imported bindings can compile to getter calls, which must stay out of hot loops.
const ACTIVE = QBIT_ACTIVE;
const TO_MICRO = MILLI_TO_MICRO;
const TO_MICRO_QUARTER = MILLI_TO_MICRO_QUARTER;
const HOUR = HOUR_MS;
const DAY = DAY_MS;

/** Plan fields the kernels need (a subset, so workers can receive it as plain typed arrays). */
export interface KernelPlan {
  periodStart: number;
  asOf: number;
  quarterly: boolean;
  /** Hourly result from PT15M: union the quarters' qualities (wholesale) instead of picking one (energy). */
  unionHourQualities: boolean;
  slotMs: number;
  nSlots: number;
  mpFirstPeriod: Int32Array;
  mpPeriodCount: Int32Array;
  nPeriods: number;
  pFrom: Float64Array;
  pTo: Float64Array;
  pStep: Float64Array;
  pGroup: Int32Array;
  dayStart0: number;
  nDays: number;
  dpCellStart: Float64Array;
  nCells: number;
  nGroups: number;
}

/** One cell per (selected period, native slot); see shared/basis-data/point-cells.ts. */
export type { Cells } from '../../basis-data/point-cells';

function typed<T extends Float64Array | Uint8Array>(
  ctor: { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number },
  n: number,
  shared: boolean,
): T {
  return new ctor(
    shared ? new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT) : new ArrayBuffer(n * ctor.BYTES_PER_ELEMENT),
  );
}

export function allocateCells(nCells: number, bitemporal: boolean, shared = false): Cells {
  return {
    qty: typed(Float64Array, nCells, shared),
    qual: typed(Uint8Array, nCells, shared),
    reg: bitemporal ? typed(Float64Array, nCells, shared) : null,
  };
}

/**
 * Scatter a batch of points into cells: finds the selected period of the point's metering
 * point, checks alignment, applies the as-of rule (newest registration <= as-of wins) and
 * rejects duplicates. Points outside every selected period are not part of this calculation.
 */
export function scatterBatch(plan: KernelPlan, cells: Cells, b: TimeSeriesBatch): void {
  const { mpFirstPeriod, mpPeriodCount, pFrom, pTo, pStep, dpCellStart, dayStart0, nPeriods, asOf } = plan;
  if (b.registration && !cells.reg)
    throw new InvariantError('bi-temporal batch for cells allocated without registration times');
  const n = b.length;
  const nMp = mpFirstPeriod.length;
  const mpCol = b.mp;
  const timeCol = b.time;
  for (let i = 0; i < n; i++) {
    const mp = mpCol[i];
    if (mp < 0 || mp >= nMp) continue;
    const count = mpPeriodCount[mp];
    if (count === 0) continue;
    const t = timeCol[i];
    let p = mpFirstPeriod[mp];
    const last = p + count;
    while (p < last && !(t >= pFrom[p] && t < pTo[p])) p++;
    if (p === last) continue;
    const step = pStep[p];
    const offset = t - pFrom[p];
    if (((offset / step) | 0) * step !== offset) {
      throw new ValidationError(
        b.file,
        b.firstRow + i,
        'observation_time',
        `${formatInstant(t)} is not aligned to the metering point's resolution (${step / 60000} minutes)`,
      );
    }
    const d = ((t - dayStart0) / DAY) | 0;
    const dayFrom = dayStart0 + d * DAY;
    const blockFrom = pFrom[p] > dayFrom ? pFrom[p] : dayFrom;
    const cell = (dpCellStart[d * nPeriods + p] + (t - blockFrom) / step) | 0;
    storePoint(cells, cell, b, i, t, asOf);
  }
}

/** Accumulators per (group, result slot): `sum` in micro-kWh, `mask` quality bits + QBIT_ACTIVE. */
export interface Accumulators {
  sum: Float64Array;
  mask: Uint8Array;
  /** Per result slot: Σ|contribution|, a bound on every aggregate of that slot (exactness check). */
  absSum: Float64Array;
}

export function allocateAccumulators(nGroups: number, nSlots: number, shared = false): Accumulators {
  return {
    sum: typed(Float64Array, nGroups * nSlots, shared),
    mask: typed(Uint8Array, nGroups * nSlots, shared),
    absSum: typed(Float64Array, nSlots, shared),
  };
}

/** cell qual (0 = padded) → quality bit; padding counts as missing. */
const QBIT_OF_CELL = Uint8Array.from([QBIT_MISSING, QBIT_MISSING, QBIT_ESTIMATED, QBIT_MEASURED, QBIT_CALCULATED]);

/**
 * The single quality of an hour summed from quarters (reference quarter_to_hour): calculated >
 * estimated > (measured and missing → estimated) > measured > missing.
 */
export function pickHourQuality(mask: number): number {
  if (mask & QBIT_CALCULATED) return QBIT_CALCULATED;
  if (mask & QBIT_ESTIMATED) return QBIT_ESTIMATED;
  if (mask & QBIT_MEASURED) return mask & QBIT_MISSING ? QBIT_ESTIMATED : QBIT_MEASURED;
  return QBIT_MISSING;
}

const pickHour = pickHourQuality;

/**
 * Sum the cells of days [d0, d1) into their groups' accumulators at the result resolution.
 * Days are independent, so ranges can be summed by different workers into private
 * accumulators and added afterwards.
 */
export function aggregateDays(plan: KernelPlan, cells: Cells, acc: Accumulators, d0: number, d1: number): void {
  const {
    periodStart,
    quarterly,
    unionHourQualities,
    slotMs,
    nSlots,
    nPeriods,
    pFrom,
    pTo,
    pStep,
    pGroup,
    dayStart0,
    dpCellStart,
  } = plan;
  const { qty, qual } = cells;
  const { sum, mask, absSum } = acc;
  // period-outer keeps each group's accumulator row hot; each (day, period) block is contiguous
  for (let p = 0; p < nPeriods; p++) {
    for (let d = d0; d < d1; d++) {
      const c0 = dpCellStart[d * nPeriods + p];
      if (c0 < 0) continue;
      const dayFrom = dayStart0 + d * DAY;
      const dayTo = dayFrom + DAY;
      const from = pFrom[p] > dayFrom ? pFrom[p] : dayFrom;
      const to = pTo[p] < dayTo ? pTo[p] : dayTo;
      const base = pGroup[p] * nSlots;
      const step = pStep[p];
      const nCells = (to - from) / step;
      const firstSlot = (from - periodStart) / slotMs;
      if (step === slotMs) {
        // native resolution = result resolution
        for (let c = 0; c < nCells; c++) {
          const v = qty[c0 + c] * TO_MICRO;
          const s = firstSlot + c;
          sum[base + s] += v;
          mask[base + s] |= QBIT_OF_CELL[qual[c0 + c]] | ACTIVE;
          absSum[s] += v < 0 ? -v : v;
        }
      } else if (quarterly) {
        // PT1H reading → four quarters of exactly q/4 (6 dp), same quality
        for (let c = 0; c < nCells; c++) {
          const v = qty[c0 + c] * TO_MICRO_QUARTER;
          const bits = QBIT_OF_CELL[qual[c0 + c]] | ACTIVE;
          const a = v < 0 ? -v : v;
          const s = firstSlot + c * 4;
          sum[base + s] += v;
          sum[base + s + 1] += v;
          sum[base + s + 2] += v;
          sum[base + s + 3] += v;
          mask[base + s] |= bits;
          mask[base + s + 1] |= bits;
          mask[base + s + 2] |= bits;
          mask[base + s + 3] |= bits;
          absSum[s] += a;
          absSum[s + 1] += a;
          absSum[s + 2] += a;
          absSum[s + 3] += a;
        }
      } else {
        // PT15M metering point, hourly result: sum per hour, one picked quality per MP-hour
        let c = 0;
        while (c < nCells) {
          const t = from + c * step;
          const hourEnd = Math.min(t - (t % HOUR) + HOUR, to);
          const s = Math.floor((t - periodStart) / slotMs);
          let v = 0;
          let a = 0;
          let m = 0;
          for (let tc = t; tc < hourEnd; tc += step, c++) {
            const x = qty[c0 + c] * TO_MICRO;
            v += x;
            a += x < 0 ? -x : x;
            m |= QBIT_OF_CELL[qual[c0 + c]];
          }
          sum[base + s] += v;
          mask[base + s] |= (unionHourQualities ? m : pickHour(m)) | ACTIVE;
          absSum[s] += a;
        }
      }
    }
  }
}

/** Adds `src` accumulators into `dst` (merging per-worker partial sums). */
export function addAccumulators(dst: Accumulators, src: Accumulators): void {
  for (let i = 0; i < dst.sum.length; i++) {
    dst.sum[i] += src.sum[i];
    dst.mask[i] |= src.mask[i];
  }
  for (let i = 0; i < dst.absSum.length; i++) dst.absSum[i] += src.absSum[i];
}
