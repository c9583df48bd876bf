/** Activities: thin calls into the settlement use cases (shared/settlement/use-cases; they do the I/O the orchestrator must not). */
import type { ActivityHandler } from 'durable-functions';
import type { Batch, BatchOutput } from '../../shared/settlement/batch';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { publishCompleted } from '../../shared/settlement/use-cases/publish-completed';
import { markJob } from '../../shared/settlement/use-cases/update-job';
import type { AppDeps } from '../deps';
import type { JobUpdateInput } from './settlement-orchestrator';

export function activities(deps: AppDeps): Record<'plan' | 'calculateBatch' | 'commit' | 'publish' | 'updateJob', ActivityHandler> {
  const s = deps.settlement;
  return {
    plan: async (input: unknown) => planBatches(s, (input as { jobId: string }).jobId),
    calculateBatch: async (input: unknown) => {
      const { jobId, batch } = input as { jobId: string; batch: Batch };
      return calculateBatch(s, jobId, batch);
    },
    commit: async (input: unknown) => {
      const { jobId, outputs } = input as { jobId: string; outputs: BatchOutput[] };
      return commitJob(s, jobId, outputs);
    },
    publish: async (input: unknown) => publishCompleted(s, (input as { jobId: string }).jobId),
    updateJob: async (input: unknown) => {
      const u = input as JobUpdateInput;
      if (u.status) {
        await markJob(s, u.jobId, u.status, { ...(u.error ? { error: u.error } : {}), ...(u.progress ? { progress: u.progress } : {}) });
      } else if (u.progress) {
        await deps.jobs.setProgress(u.jobId, u.progress);
      }
      return null;
    },
  };
}
