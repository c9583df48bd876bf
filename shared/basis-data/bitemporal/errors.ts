/** Errors of the bi-temporal materialization (invalid charge events throw ValidationError instead). */

/** A stored event whose instant is not a finite number, so it cannot be ordered on its time axis. */
export class EventInstantError extends Error {
  constructor(
    readonly eventId: string,
    readonly field: 'effectiveDate' | 'storedAt',
    readonly value: number,
  ) {
    super(`event ${eventId}: ${field} is not a finite instant`);
    this.name = 'EventInstantError';
  }
}

/** An event outside the union a step handles (unreachable for typed input; guards untyped data). */
export class UnknownEventError extends Error {
  constructor(
    readonly kind: 'master-data' | 'charge',
    readonly event: unknown,
  ) {
    super(`unknown ${kind} event ${JSON.stringify(event)}`);
    this.name = 'UnknownEventError';
  }
}
