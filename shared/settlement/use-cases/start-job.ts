import { NAMES } from '../../config/names';
import type { Job, JobSpec } from '../../jobs/job';
import { InvalidJobTransitionError, type JobStore } from '../../jobs/job-store';
import type { StartOrchestration } from '../activity-contracts';

export interface StartJobDeps {
  jobs: Pick<JobStore, 'createOrGetActive' | 'transition'>;
  startOrchestration: StartOrchestration;
  /** How many batches the orchestration calculates at once. */
  maxParallelBatches: number;
  /** A Requested job older than this (ms) never got its orchestration started (settings.staleRequestedJobMs). */
  staleRequestedAfterMs: number;
  clock: () => Date;
}

export type StartJobResult =
  /** Registered and its orchestration started. */
  | { kind: 'created'; job: Job }
  /** A job for the same calculation type, period and grid areas is active: that job, nothing started. */
  | { kind: 'alreadyActive'; job: Job }
  /** Registered, but its orchestration could not start: the job is now Failed. `error` is what the start threw. */
  | { kind: 'startFailed'; job: Job; error: unknown; message: string };

/**
 * Starts a settlement job: registers it (atomically refusing a duplicate of an active one) and
 * starts its SettlementOrchestrator (instance id = job id). A job whose orchestration never
 * started is marked Failed, so it does not stay Requested forever.
 *
 * When the process dies between registering and starting, nothing marks the job Failed: it stays
 * Requested and, being active, would answer every later start of its spec with 409 forever. The
 * orchestration moves a job to Started within seconds of its start, so an active job still
 * Requested after staleRequestedAfterMs is taken as such an orphan: it is failed (the store's
 * optimistic concurrency lets either this or a late orchestration's Started win, never both) and
 * the spec is registered anew.
 */
export async function startJob(deps: StartJobDeps, id: string, spec: JobSpec, now: Date): Promise<StartJobResult> {
  let { job, created } = await deps.jobs.createOrGetActive(id, spec, now);
  if (!created && isStaleRequested(job, now, deps.staleRequestedAfterMs)) {
    const failed = await failStale(deps, job);
    if (failed) ({ job, created } = await deps.jobs.createOrGetActive(id, spec, now));
  }
  if (!created) return { kind: 'alreadyActive', job };
  try {
    await deps.startOrchestration(NAMES.durable.settlementOrchestrator, job.id, {
      jobId: job.id,
      maxParallelBatches: deps.maxParallelBatches,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const failed = await deps.jobs.transition(job.id, 'Failed', deps.clock(), {
      error: `could not start the orchestration: ${message}`,
    });
    return { kind: 'startFailed', job: failed, error, message };
  }
  return { kind: 'created', job };
}

function isStaleRequested(job: Job, now: Date, staleAfterMs: number): boolean {
  return job.status === 'Requested' && now.getTime() - Date.parse(job.requestedAt) > staleAfterMs;
}

/** Fails an orphaned Requested job; false when it moved on meanwhile (its orchestration did start). */
async function failStale(deps: StartJobDeps, job: Job): Promise<boolean> {
  try {
    await deps.jobs.transition(job.id, 'Failed', deps.clock(), {
      error: `its orchestration never started: still Requested ${Math.round(deps.staleRequestedAfterMs / 60_000)} minutes after ${job.requestedAt} (the process stopped between registering and starting it)`,
    });
    return true;
  } catch (e) {
    if (e instanceof InvalidJobTransitionError) return false;
    throw e;
  }
}
