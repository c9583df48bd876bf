/**
 * Everything the settlement use cases need, built once by the composition root
 * (functions/composition.ts). Each use case (use-cases/) takes only the ports it uses; this
 * type extends all of them, so the compiler checks one object serves every use case.
 */
import type { BasisDataEvents } from '../basis-data/bitemporal/as-of-source';
import type { BlobLake } from '../basis-data/parquet/blob-lake';
import type { JobStore } from '../jobs/job-store';
import type { BlobStore } from '../storage/blob-store';
import type { BasisDataAsOfDeps } from './use-cases/basis-data-as-of';
import type { CalculateBatchDeps } from './use-cases/calculate-batch';
import type { CommitJobDeps } from './use-cases/commit-job';
import type { PlanBatchesDeps } from './use-cases/plan-batches';
import type { CompletionPublisher, PublishCompletedDeps } from './use-cases/publish-completed';
import type { UpdateJobDeps } from './use-cases/update-job';

export interface SettlementDeps
  extends BasisDataAsOfDeps, PlanBatchesDeps, CalculateBatchDeps, CommitJobDeps, PublishCompletedDeps, UpdateJobDeps {
  lake: BlobLake;
  /** Integration events (bi-temporal master data, time series, charges) overlaid on the lake as of the job's as-of. */
  events: BasisDataEvents;
  /** The results container: `jobs/{jobId}/…` (job-paths.ts). */
  results: BlobStore;
  jobs: JobStore;
  /** Publishes the calculation-completed event (Service Bus topic). */
  publishCompleted: CompletionPublisher;
  batchMaxPoints: number;
  quarterlyTransition: number;
  clock: () => Date;
}
