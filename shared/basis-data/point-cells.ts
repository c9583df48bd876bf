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
 * (registration time of the stored point) exists only when the source is bi-temporal.
 */
export interface Cells {
  qty: Float64Array;
  qual: Uint8Array;
  reg: Float64Array | null;
}

/**
 * Stores point `i` of batch `b` (observation time `t`) in `cell`: with registration times the
 * newest registration at or before `asOf` wins (a later one is not known yet) and two points with
 * the same registration time are a duplicate; without them any second point is a duplicate.
 * The caller has allocated `cells.reg` when `b.registration` is set.
 */
// the error path lives apart so storePoint stays small enough for V8 to inline into the scatter loops
function duplicate(b: TimeSeriesBatch, i: number, t: number, column: string, what: string): ValidationError {
  return new ValidationError(b.file, b.firstRow + i, column, `duplicate point for ${formatInstant(t)} ${what}`);
}

export function storePoint(cells: Cells, cell: number, b: TimeSeriesBatch, i: number, t: number, asOf: number): void {
  const qual = cells.qual;
  const bReg = b.registration;
  if (bReg) {
    const reg = cells.reg as Float64Array;
    const r = bReg[i];
    if (r > asOf) return;
    if (qual[cell] !== 0) {
      const stored = reg[cell];
      if (r < stored) return;
      if (r === stored) throw duplicate(b, i, t, 'registration_time', 'with the same registration time');
    }
    reg[cell] = r;
  } else if (qual[cell] !== 0) {
    throw duplicate(b, i, t, 'observation_time', 'of this metering point');
  }
  cells.qty[cell] = b.quantityMilli[i];
  qual[cell] = b.quality[i] + 1;
}
