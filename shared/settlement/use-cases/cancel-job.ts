import { TERMINAL_STATUSES, type Job } from '../../jobs/job';
import { InvalidJobTransitionError, type JobStore } from '../../jobs/job-store';
import { isValidJobId } from '../../jobs/job-lifecycle';
import type { BlobStore } from '../../storage/blob-store';
import { discardJobOutputs } from './discard-job-outputs';

export interface CancelJobDeps {
  jobs: Pick<JobStore, 'get' | 'transition'>;
  results: Pick<BlobStore, 'list' | 'delete'>;
  /** Stops the job's orchestration (instance id = job id). */
  terminate(jobId: string, reason: string): Promise<void>;
  clock: () => Date;
}

export type CancelJobResult =
  | { kind: 'canceled'; job: Job; terminateError: unknown }
  /** No such job (an id that cannot be a job id, e.g. with `/`, is none). */
  | { kind: 'notFound' }
  /** Already Completed, Failed or Canceled — also when it got there while this cancel ran. */
  | { kind: 'alreadyFinal'; job: Job };

/**
 * Cancels an active job: Canceled first (the store's transition is atomic, so a commit racing
 * this cancel either wins — the cancel answers with the final status — or finds the job Canceled
 * and discards its outputs, commit-job.ts), then the orchestration is terminated and the outputs
 * written so far are deleted. A batch still running writes after this delete; it checks the
 * status after writing and deletes its own files (calculate-batch.ts), so no result file stays.
 */
export async function cancelJob(deps: CancelJobDeps, id: string): Promise<CancelJobResult> {
  if (!isValidJobId(id)) return { kind: 'notFound' };
  const job = await deps.jobs.get(id);
  if (!job) return { kind: 'notFound' };
  if (TERMINAL_STATUSES.includes(job.status)) return { kind: 'alreadyFinal', job };
  let canceled: Job;
  try {
    canceled = await deps.jobs.transition(id, 'Canceled', deps.clock(), { error: 'canceled on request' });
  } catch (e) {
    if (!(e instanceof InvalidJobTransitionError)) throw e;
    // the job finished between the read and the transition (a commit won the race)
    const final = await deps.jobs.get(id);
    if (!final) return { kind: 'notFound' };
    return { kind: 'alreadyFinal', job: final };
  }
  let terminateError: unknown = null;
  try {
    await deps.terminate(id, 'canceled on request');
  } catch (e) {
    terminateError = e;
  }
  await discardJobOutputs(deps.results, id);
  return { kind: 'canceled', job: canceled, terminateError };
}
