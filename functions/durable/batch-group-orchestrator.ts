/**
 * Sub-orchestration of a settlement: calculates one group of batches (one grid area, ≤ 100
 * batches; shared/settlement/batch-groups.ts) with a sliding window of at most `window` batch
 * activities in flight — the next batch starts as soon as any finishes (Task.any), not chunk by
 * chunk. `window` is the share of the job's window the parent gave this group, so the job-wide
 * limit holds across all groups. Deterministic (replayed): no I/O, no clock.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import type { BatchOutput } from '../../shared/settlement/batch';
import { activityTask, awaitTask, firstFinished, orchestratorInput } from './typed-activities';

/** Batch calculations are retried (transient storage errors); a bad input fails all attempts alike. */
export const BATCH_RETRY = new df.RetryOptions(2000, 3);

export const batchGroupOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const D = NAMES.durable;
  const { jobId, batches, window } = orchestratorInput(context, D.batchGroupOrchestrator);
  const outputs = yield* slidingWindow(context, batches.length, window, (i) =>
    activityTask(context, D.calculateBatchActivity, { jobId, batch: batches[i] }, BATCH_RETRY),
  );
  return outputs;
};

/**
 * Runs tasks 0..count-1, at most `limit` at a time, starting the next as soon as one finishes.
 * Outputs in index order. The first failure is thrown (the tasks still running are left to end;
 * their results are ignored, as with Task.all). Custom status: doneBatches / totalBatches.
 */
export function* slidingWindow(
  context: OrchestrationContext,
  count: number,
  limit: number,
  start: (index: number) => Task,
): Generator<Task, BatchOutput[], unknown> {
  const outputs: BatchOutput[] = [];
  const running: Array<{ task: Task; index: number }> = [];
  let next = 0;
  let done = 0;
  context.df.setCustomStatus({ doneBatches: 0, totalBatches: count });
  while (next < count || running.length > 0) {
    while (next < count && running.length < limit) running.push({ task: start(next), index: next++ });
    const winner = yield* firstFinished(
      context,
      running.map((r) => r.task),
    );
    const [finished] = running.splice(
      running.findIndex((r) => r.task === winner),
      1,
    );
    // yielding the finished task hands back its output, or throws its failure
    outputs[finished.index] = yield* awaitTask<BatchOutput>(winner);
    context.df.setCustomStatus({ doneBatches: ++done, totalBatches: count });
  }
  return outputs;
}
