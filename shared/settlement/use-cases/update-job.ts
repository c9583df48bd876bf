import type { Job, JobStatus } from '../../jobs/job';
import type { JobStore, JobUpdate } from '../../jobs/job-store';
import type { JobUpdateInput } from '../activity-contracts';
import { log } from '../../telemetry/log';

export interface UpdateJobDeps {
  jobs: Pick<JobStore, 'transition' | 'setProgress'>;
  clock: () => Date;
}

/** Moves the job to `status` now (idempotent when it already is there). */
export async function markJob(
  deps: Pick<UpdateJobDeps, 'jobs' | 'clock'>,
  jobId: string,
  status: JobStatus,
  update?: JobUpdate,
): Promise<Job> {
  return deps.jobs.transition(jobId, status, deps.clock(), update);
}

/** Applies an orchestrator's job update: a status change (with its error and progress), else progress alone. */
export async function updateJob(deps: UpdateJobDeps, u: JobUpdateInput): Promise<void> {
  if (u.status) {
    // a failure's reason is a field of its own: the dashboard counts failures by it (infra/kusto)
    if (u.status === 'Failed')
      log.error(`job Failed: ${u.error ?? 'no reason given'}`, { jobId: u.jobId, reason: u.error });
    else log.info(`job ${u.status}`, { jobId: u.jobId });
    await markJob(deps, u.jobId, u.status, {
      ...(u.error ? { error: u.error } : {}),
      ...(u.progress ? { progress: u.progress } : {}),
    });
  } else if (u.progress) {
    await deps.jobs.setProgress(u.jobId, u.progress);
  }
}
