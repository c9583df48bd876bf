/** Errors of the basis data export (shared/basis-data-export). */

/** Why a stored status.json is not trusted. */
export type ExportStatusProblem = 'not-json' | 'not-a-status' | 'other-export';

/**
 * A `status.json` that exists but cannot vouch for the export at its path: not JSON, not a
 * basis data export status, or the status of another job or grid area. The files next to it are
 * not handed out; rerunning the export rewrites it.
 */
export class InvalidExportStatusError extends Error {
  constructor(
    readonly path: string,
    readonly problem: ExportStatusProblem,
    /** The parser's message, or for 'other-export' the job and grid area the file describes. */
    readonly detail: string,
  ) {
    super(
      problem === 'not-json'
        ? `${path} is not JSON: ${detail}`
        : problem === 'not-a-status'
          ? `${path} is not a basis data export status: ${detail}`
          : `${path} describes ${detail}`,
    );
    this.name = 'InvalidExportStatusError';
  }
}
