import type { Job } from '../../jobs/job';
import { requireJob, type JobStore } from '../../jobs/job-store';
import type { BlobStore } from '../../storage/blob-store';
import { ManifestMissingError } from '../errors';
import { readManifest, type Manifest } from '../manifest';
import { log } from '../../telemetry/log';

/** Publishes the calculation-completed event (Service Bus topic; see completion-event.ts). */
export type CompletionPublisher = (job: Job, manifest: Manifest) => Promise<void>;

export interface PublishCompletedDeps {
  jobs: Pick<JobStore, 'get'>;
  results: Pick<BlobStore, 'get'>;
  publishCompleted: CompletionPublisher;
}

/** Announces a committed job (its manifest must exist). */
export async function publishCompleted(deps: PublishCompletedDeps, jobId: string): Promise<void> {
  const job = await requireJob(deps.jobs, jobId);
  const manifest = await readManifest(deps.results, jobId);
  if (!manifest) throw new ManifestMissingError(jobId);
  await deps.publishCompleted(job, manifest);
  log.info('calculation-completed published', { jobId });
}
