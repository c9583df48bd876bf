import type { Job, JobStatus } from '../../jobs/job';
import type { JobStore, JobUpdate } from '../../jobs/job-store';

export interface UpdateJobDeps {
  jobs: Pick<JobStore, 'transition'>;
  clock: () => Date;
}

/** Moves the job to `status` now (idempotent when it already is there). */
export async function markJob(deps: UpdateJobDeps, jobId: string, status: JobStatus, update?: JobUpdate): Promise<Job> {
  return deps.jobs.transition(jobId, status, deps.clock(), update);
}
