/**
 * Errors across the worker-thread boundary of parallel.ts. postMessage clones an Error without its
 * class or own fields, so a worker sends a plain description and the main thread rebuilds the
 * typed error: a ValidationError in a worker reaches the caller as a ValidationError with its
 * file, row and column, like on the single-threaded path.
 */
import { CalculationError, ValidationError } from '../../basis-data/errors';
import { DecimalFormatError } from '../../decimal/scaled';
import { InvariantError } from '../../domain/errors';

export type WireError =
  | { kind: 'validation'; file: string; row: number | null; column: string | null; reason: string }
  | { kind: 'calculation'; message: string; gridArea: string | null }
  | {
      kind: 'decimal-format';
      text: string;
      problem: DecimalFormatError['problem'];
      scale: number;
      maxIntegerDigits: number;
    }
  | { kind: 'invariant'; message: string }
  | { kind: 'other'; name: string; message: string };

/** Any other error thrown in a worker thread (a parquet-wasm failure, a bug): its name and message. */
export class WorkerThreadError extends Error {
  constructor(
    /** The name of the error in the worker, e.g. 'TypeError'. */
    readonly workerErrorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerThreadError';
  }
}

export function toWireError(e: unknown): WireError {
  if (e instanceof ValidationError)
    return { kind: 'validation', file: e.file, row: e.row, column: e.column, reason: e.reason };
  if (e instanceof CalculationError) return { kind: 'calculation', message: e.message, gridArea: e.gridArea };
  if (e instanceof DecimalFormatError)
    return {
      kind: 'decimal-format',
      text: e.text,
      problem: e.problem,
      scale: e.scale,
      maxIntegerDigits: e.maxIntegerDigits,
    };
  if (e instanceof InvariantError) return { kind: 'invariant', message: e.message };
  if (e instanceof Error) return { kind: 'other', name: e.name, message: e.message };
  return { kind: 'other', name: 'Error', message: String(e) };
}

export function fromWireError(w: WireError): Error {
  switch (w.kind) {
    case 'validation':
      return new ValidationError(w.file, w.row, w.column, w.reason);
    case 'calculation':
      return new CalculationError(w.message, w.gridArea);
    case 'decimal-format':
      return new DecimalFormatError(w.text, w.problem, w.scale, w.maxIntegerDigits);
    case 'invariant':
      return new InvariantError(w.message);
    case 'other':
      return new WorkerThreadError(w.name, w.message);
  }
}
