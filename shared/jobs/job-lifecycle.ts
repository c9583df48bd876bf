/**
 * Store-independent job rules: how a spec is canonicalised, what a new job looks like and what a
 * transition changes. Both stores (Table storage, Azure SQL) call these, so they cannot drift apart
 * in behaviour; the stores only add persistence and concurrency control.
 */
import {
  ACTIVE_STATUSES,
  NEXT_STATUSES,
  TERMINAL_STATUSES,
  specKey,
  type Job,
  type JobSpec,
  type JobStatus,
} from './job';
import { InvalidJobTransitionError, type JobUpdate } from './job-store';
import { INSTANT_HINT, parseInstant } from '../domain/time';

/** A job as stored, before the store adds its concurrency token. */
export type JobData = Omit<Job, 'version'>;

export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A job spec field that must be an ISO-8601 instant is not one. */
export class InvalidJobSpecError extends TypeError {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(`job spec: ${field} is not ${INSTANT_HINT}: ${JSON.stringify(value.slice(0, 40))}`);
    this.name = 'InvalidJobSpecError';
  }
}

/** A job id no store can hold (see isValidJobId). */
export class InvalidJobIdError extends TypeError {
  constructor(readonly jobId: string) {
    super(`invalid job id ${JSON.stringify(jobId)}: 1-128 characters, no / \\ # ? or control characters`);
    this.name = 'InvalidJobIdError';
  }
}

/** Canonical ISO-8601 UTC (`toISOString`), so `…T23:00:00Z` and `…T23:00:00.000Z` dedupe to one spec key. */
export function canonicalInstant(value: string, field: string): string {
  const t = parseInstant(value);
  if (t === null) throw new InvalidJobSpecError(field, value);
  return new Date(t).toISOString();
}

/**
 * The spec as stored: instants canonical, grid areas sorted (JobSpec documents them as sorted; a
 * caller that forgets must still hit the same spec key and see the same stored job).
 */
export function canonicalSpec(spec: JobSpec): JobSpec {
  return {
    calculationType: spec.calculationType,
    periodStart: canonicalInstant(spec.periodStart, 'periodStart'),
    periodEnd: canonicalInstant(spec.periodEnd, 'periodEnd'),
    gridAreas: [...spec.gridAreas].sort(),
    asOf: canonicalInstant(spec.asOf, 'asOf'),
    createdByUserId: spec.createdByUserId,
    trigger: spec.trigger,
  };
}

/**
 * Job ids are caller-chosen (the HTTP trigger uses a uuid). Both stores accept the same ids: at
 * most 128 characters (the SQL column) and none of the characters Table storage forbids in a
 * RowKey ('/', '\\', '#', '?', control characters).
 */
export function isValidJobId(id: string): boolean {
  // eslint-disable-next-line no-control-regex -- an id must not contain control characters: the regex names them
  return id.length > 0 && id.length <= 128 && !/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(id);
}

export function newJob(id: string, spec: JobSpec, now: Date): JobData {
  if (!isValidJobId(id)) throw new InvalidJobIdError(id);
  const s = canonicalSpec(spec);
  return {
    ...s,
    id,
    status: 'Requested',
    specKey: specKey(s),
    requestedAt: now.toISOString(),
    startedAt: null,
    executingAt: null,
    finishedAt: null,
    progress: { doneBatches: 0, totalBatches: 0 },
    error: null,
    outputPath: null,
    resultCounts: null,
  };
}

/**
 * The job after moving to `status`, or null when it already is in `status` (idempotent no-op:
 * a redelivered activity must not fail nor overwrite the first timestamps). Throws
 * InvalidJobTransitionError for anything NEXT_STATUSES does not allow.
 */
export function applyTransition(job: JobData, status: JobStatus, now: Date, update: JobUpdate = {}): JobData | null {
  if (job.status === status) return null;
  if (!NEXT_STATUSES[job.status].includes(status)) throw new InvalidJobTransitionError(job.id, job.status, status);
  const at = now.toISOString();
  const next: JobData = { ...job, status };
  if (status === 'Started') next.startedAt = at;
  else if (status === 'Executing') next.executingAt = at;
  else if (isTerminal(status)) next.finishedAt = at;
  if (update.error !== undefined) next.error = update.error;
  if (update.outputPath !== undefined) next.outputPath = update.outputPath;
  if (update.resultCounts !== undefined) next.resultCounts = { ...update.resultCounts };
  if (update.progress !== undefined) next.progress = { ...update.progress };
  return next;
}

/** Newest first by requestedAt; id breaks ties so equal instants still list deterministically. */
export function newestFirst(a: Pick<Job, 'requestedAt' | 'id'>, b: Pick<Job, 'requestedAt' | 'id'>): number {
  if (a.requestedAt !== b.requestedAt) return a.requestedAt < b.requestedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export const DEFAULT_LIST_LIMIT = 100;

export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`list limit must be a non-negative integer, got ${limit}`);
  return limit;
}
