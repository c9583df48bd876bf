import { NAMES } from '../../config/names';
import type { Job, JobSpec } from '../../jobs/job';
import type { JobStore } from '../../jobs/job-store';
import type { StartOrchestration } from '../activity-contracts';

export interface StartJobDeps {
  jobs: Pick<JobStore, 'createOrGetActive' | 'transition'>;
  startOrchestration: StartOrchestration;
  /** How many batches the orchestration calculates at once. */
  maxParallelBatches: number;
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
 */
export async function startJob(deps: StartJobDeps, id: string, spec: JobSpec, now: Date): Promise<StartJobResult> {
  const { job, created } = await deps.jobs.createOrGetActive(id, spec, now);
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
