/** Bad basis data or arguments: names the file, row and column and says why. Nothing is written. */
export class ValidationError extends Error {
  constructor(
    readonly file: string,
    readonly row: number | null,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(`${file}${row !== null ? `, row ${row}` : ''}${column ? `, column ${column}` : ''}: ${reason}`);
    this.name = 'ValidationError';
  }
}

/** The basis data is valid but the calculation cannot be performed (e.g. missing grid-loss metering points). */
export class CalculationError extends Error {
  constructor(
    message: string,
    /** The grid area the problem is in, when it is about one. */
    readonly gridArea: string | null = null,
  ) {
    super(message);
    this.name = 'CalculationError';
  }
}
