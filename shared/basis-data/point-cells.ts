/**
 * Dense per-slot storage of time series points and the one rule for putting a point into it,
 * shared by the energy engine's scatter (shared/calculation/energy/kernels.ts) and the basis
 * data export (shared/basis-data-export/time-series.ts), so an export shows exactly the readings
 * a calculation used.
 */
import { ValidationError } from './errors';
import { formatInstant } from '../domain/time';
import type { TimeSeriesBatch } from './types';

/**
 * One cell per slot. `qual` is 0 for "no point" and quality code + 1 otherwise. `reg`
 * (registration time of the stored point; -Infinity for a point without one) exists only when
 * the source is bi-temporal.
 */
export interface Cells {
  qty: Float64Array;
  qual: Uint8Array;
  reg: Float64Array | null;
}

/**
 * Gives `cells` registration times once the first bi-temporal batch arrives. Points stored before
 * came without a registration time, so they count as the earliest (-Infinity), not as 1970.
 */
export function ensureRegistrations(cells: Cells): Float64Array {
  cells.reg ??= new Float64Array(cells.qual.length).fill(-Infinity);
  return cells.reg;
}

// the error path lives apart so storePoint stays small enough for V8 to inline into the scatter loops
function duplicate(b: TimeSeriesBatch, i: number, t: number): ValidationError {
  return new ValidationError(
    b.file,
    b.firstRow + i,
    'observation_time',
    `duplicate point for ${formatInstant(t)} of this metering point`,
  );
}

/**
 * Stores point `i` of batch `b` (observation time `t`) in `cell` by the as-of pick
 * (docs/energy-calculation.md, "Bi-temporal"):
 *
 * - Bi-temporal cells (`cells.reg` set): the newest registration at or before `asOf` wins (a later
 *   one is not known yet); a point without a registration time (lake files written before
 *   registration times existed) counts as the earliest. Two points with the same registration
 *   time are settled by their content — the higher quality code wins, then the larger quantity —
 *   so the pick depends neither on the order files and events are read in nor on which of two
 *   identical copies came first (a re-published event), and it never fails a calculation.
 * - A source without any registration times (scenario CSV folders): a second point for a slot is
 *   a data error.
 *
 * The caller has called `ensureRegistrations` when `b.registration` is set.
 */
export function storePoint(cells: Cells, cell: number, b: TimeSeriesBatch, i: number, t: number, asOf: number): void {
  const qual = cells.qual;
  const reg = cells.reg;
  if (reg !== null) {
    const bReg = b.registration;
    const r = bReg ? bReg[i] : -Infinity;
    if (r > asOf) return;
    if (qual[cell] !== 0) {
      const stored = reg[cell];
      if (r < stored) return;
      if (r === stored && !winsTie(cells, cell, b, i)) return;
    }
    reg[cell] = r;
  } else if (qual[cell] !== 0) {
    throw duplicate(b, i, t);
  }
  cells.qty[cell] = b.quantityMilli[i];
  qual[cell] = b.quality[i] + 1;
}

/** The same-registration-time rule: higher quality code, then larger quantity; equal content keeps the stored one. */
function winsTie(cells: Cells, cell: number, b: TimeSeriesBatch, i: number): boolean {
  const q = b.quality[i] + 1;
  const stored = cells.qual[cell];
  if (q !== stored) return q > stored;
  return b.quantityMilli[i] > cells.qty[cell];
}
