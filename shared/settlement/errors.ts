/** Settlement failures a caller can tell apart (same messages as the plain errors they replace). */

/** A batch output the commit expects is not in the results container: the job is not committed. */
export class BatchOutputMissingError extends Error {
  constructor(
    readonly jobId: string,
    readonly path: string,
  ) {
    super(`batch output ${path} is missing; refusing to commit job ${jobId}`);
    this.name = 'BatchOutputMissingError';
  }
}

/** The job has no manifest (not committed), where one is required. */
export class ManifestMissingError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} has no manifest; nothing to publish`);
    this.name = 'ManifestMissingError';
  }
}

/** A file a committed manifest lists is gone from the results container. */
export class CommittedFileMissingError extends Error {
  constructor(
    readonly path: string,
    readonly kind: 'result' | 'basis data',
  ) {
    super(`committed ${kind} file ${path} is missing`);
    this.name = 'CommittedFileMissingError';
  }
}

/** A batch group (sub-orchestration) ended without an output for one of its batches: nothing may be committed. */
export class BatchGroupOutputMissingError extends Error {
  constructor(
    readonly jobId: string,
    readonly batchId: string,
  ) {
    super(`job ${jobId}: batch ${batchId} has no output after its group completed; refusing to commit`);
    this.name = 'BatchGroupOutputMissingError';
  }
}

/** A wholesale partial-sums file of a batch is malformed or belongs to another job, grid area or period. */
export class InvalidWholesalePartialError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`wholesale partial ${path}: ${reason}`);
    this.name = 'InvalidWholesalePartialError';
  }
}

/** A wholesale grid area was to be reduced without any batch partial sums of it. */
export class NoWholesalePartialsError extends Error {
  constructor(
    readonly jobId: string,
    readonly gridArea: string,
  ) {
    super(`job ${jobId} has no wholesale partial sums for grid area ${gridArea}; nothing to reduce`);
    this.name = 'NoWholesalePartialsError';
  }
}

/** The job was canceled while this step ran: its outputs are discarded, nothing is committed. */
export class JobCanceledError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was canceled; its outputs are discarded`);
    this.name = 'JobCanceledError';
  }
}
