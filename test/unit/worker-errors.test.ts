const clone = <T>(v: T): T => structuredClone(v);
import { CalculationError, ValidationError } from '../../shared/basis-data/errors';
import { DecimalFormatError, parseScaled } from '../../shared/decimal/scaled';
import { InvariantError } from '../../shared/domain/errors';
import { fromWireError, toWireError, WorkerThreadError } from '../../shared/calculation/energy/worker-errors';

/** What the main thread gets back for an error thrown in a worker (through a structured clone, as postMessage does). */
const across = (e: unknown): Error => fromWireError(clone(toWireError(e)));

describe('errors across the worker boundary', () => {
  it('keep their class, fields and message', () => {
    const v = across(new ValidationError('ts/part-0.parquet', 17, 'quantity', 'has 4 decimals'));
    expect(v).toBeInstanceOf(ValidationError);
    expect(v).toMatchObject({
      name: 'ValidationError',
      file: 'ts/part-0.parquet',
      row: 17,
      column: 'quantity',
      reason: 'has 4 decimals',
      message: 'ts/part-0.parquet, row 17, column quantity: has 4 decimals',
    });

    const c = across(new CalculationError('grid area 800: missing grid loss', '800'));
    expect(c).toBeInstanceOf(CalculationError);
    expect(c).toMatchObject({ message: 'grid area 800: missing grid loss', gridArea: '800' });

    let decimal: unknown;
    try {
      parseScaled('1.0005', 3);
    } catch (e) {
      decimal = e;
    }
    const d = across(decimal);
    expect(d).toBeInstanceOf(DecimalFormatError);
    expect(d).toMatchObject({
      text: '1.0005',
      problem: 'too-many-decimals',
      scale: 3,
      message: "'1.0005' has more than 3 decimals",
    });

    const i = across(new InvariantError('cannot happen'));
    expect(i).toBeInstanceOf(InvariantError);
    expect(i.message).toBe('cannot happen');
  });

  it('anything else arrives as a WorkerThreadError with the original name and message', () => {
    const t = across(new TypeError('x is not a function'));
    expect(t).toBeInstanceOf(WorkerThreadError);
    expect(t).toMatchObject({ workerErrorName: 'TypeError', message: 'x is not a function' });
    expect(across('a string')).toMatchObject({ workerErrorName: 'Error', message: 'a string' });
  });
});
