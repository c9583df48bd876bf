/**
 * Errors of the RSM-014 builder. Typed so callers (the CLI, a future send activity) can tell
 * "master data is incomplete" (a grid area without a known owner: fixable by registering the
 * owner, then redelivering) from "the results themselves are inconsistent" (a defect upstream).
 */

/** No grid area owner (grid access provider GLN) is known for a grid area with results to send. */
export class GridAreaOwnerNotFoundError extends Error {
  constructor(readonly gridArea: string) {
    super(`no grid area owner is known for grid area ${gridArea}`);
    this.name = 'GridAreaOwnerNotFoundError';
  }
}

/** The energy result rows (or the calculation metadata) cannot be turned into a valid document. */
export class Rsm014InputError extends Error {
  constructor(
    message: string,
    /** The result (series) at fault; null when the problem is not one result's (metadata, ids). */
    readonly resultId: string | null = null,
  ) {
    super(message);
    this.name = 'Rsm014InputError';
  }
}
