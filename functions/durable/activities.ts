/** Activities: thin calls into the settlement use cases (shared/settlement/use-cases; they do the I/O the orchestrator must not). */
import { NAMES } from '../../shared/config/names';
import type { ActivityImpl } from '../../shared/settlement/activity-contracts';
import { calculateBatch } from '../../shared/settlement/use-cases/calculate-batch';
import { commitJob } from '../../shared/settlement/use-cases/commit-job';
import { planBatches } from '../../shared/settlement/use-cases/plan-batches';
import { publishCompleted } from '../../shared/settlement/use-cases/publish-completed';
import { updateJob } from '../../shared/settlement/use-cases/update-job';
import type { AppDeps } from '../deps';

const D = NAMES.durable;

export type SettlementActivityName =
  | typeof D.planActivity
  | typeof D.calculateBatchActivity
  | typeof D.commitActivity
  | typeof D.publishActivity
  | typeof D.updateJobActivity;

/** The settlement orchestrator's activities, each implemented against its contract. */
export function activities(deps: AppDeps): { [N in SettlementActivityName]: ActivityImpl<N> } {
  const s = deps.settlement;
  return {
    [D.planActivity]: async ({ jobId }) => planBatches(s, jobId),
    [D.calculateBatchActivity]: async ({ jobId, batch }) => calculateBatch(s, jobId, batch),
    [D.commitActivity]: async ({ jobId, outputs }) => commitJob(s, jobId, outputs),
    [D.publishActivity]: async ({ jobId }) => publishCompleted(s, jobId),
    [D.updateJobActivity]: async (update) => {
      await updateJob(s, update);
      return null;
    },
  };
}
