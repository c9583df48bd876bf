import type { Job, JobProgress, JobSpec, JobStatus } from './job';

export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} not found`);
    this.name = 'JobNotFoundError';
  }
}

export class InvalidJobTransitionError extends Error {
  constructor(
    readonly jobId: string,
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super(`job ${jobId} cannot go from ${from} to ${to}`);
    this.name = 'InvalidJobTransitionError';
  }
}

/** An id is one registration: the id is already taken by a job for another spec (a caller bug, not a dedupe). */
export class JobIdConflictError extends Error {
  constructor(
    readonly jobId: string,
    readonly existingSpecKey: string,
    readonly requestedSpecKey: string,
  ) {
    super(`job ${jobId} already exists for spec ${existingSpecKey}, not ${requestedSpecKey}`);
    this.name = 'JobIdConflictError';
  }
}

/** The store kept losing concurrency races for this job (`operation`); trying again later may succeed. */
export class JobStoreContentionError extends Error {
  constructor(
    readonly jobId: string,
    readonly operation: 'register' | 'transition',
    readonly attempts: number,
    what: string,
  ) {
    super(`job ${jobId}: ${what} after ${attempts} attempts`);
    this.name = 'JobStoreContentionError';
  }
}

/** A stored job (row or entity) the store cannot read back; `jobId` null when not even the id is readable. */
export class StoredJobInvalidError extends Error {
  constructor(
    readonly jobId: string | null,
    readonly detail: string,
  ) {
    super(jobId === null ? detail : `job ${jobId}: ${detail}`);
    this.name = 'StoredJobInvalidError';
  }
}

export interface JobFilter {
  status?: JobStatus;
  calculationType?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/** What a transition may set besides the status. */
export interface JobUpdate {
  error?: string;
  outputPath?: string;
  resultCounts?: Record<string, number>;
  progress?: JobProgress;
}

/**
 * Persistence of settlement jobs. One contract test suite (test/contracts/job-store.contract.ts)
 * runs against every implementation: Azure Table storage (Azurite in tests) and Azure SQL.
 */
export interface JobStore {
  /**
   * Registers a new job in status Requested unless a job with the same spec key is active
   * (Requested/Started/Executing): then returns that job and `created: false`. Atomic: two
   * concurrent calls for the same spec create exactly one job.
   */
  createOrGetActive(id: string, spec: JobSpec, now: Date): Promise<{ job: Job; created: boolean }>;
  get(id: string): Promise<Job | null>;
  list(filter: JobFilter): Promise<Job[]>;
  /** Moves to `status` (must be allowed by NEXT_STATUSES, else InvalidJobTransitionError); sets the timestamp of that status. Idempotent when already in `status`. */
  transition(id: string, status: JobStatus, now: Date, update?: JobUpdate): Promise<Job>;
  /** Updates progress without a status change. */
  setProgress(id: string, progress: JobProgress): Promise<void>;
}

/** The job, or JobNotFoundError when there is none with this id. */
export async function requireJob(jobs: Pick<JobStore, 'get'>, jobId: string): Promise<Job> {
  const job = await jobs.get(jobId);
  if (!job) throw new JobNotFoundError(jobId);
  return job;
}
