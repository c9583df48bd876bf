/**
 * The coordinator. Decides only: no I/O, no clock, no randomness (it is replayed). Plans
 * batches, fans out with bounded parallelism and retries, fans in, commits (manifest last),
 * then publishes calculation-completed (retried until sent). Any failure before the commit
 * marks the job Failed.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import type { SettlementOutput } from '../../shared/settlement/activity-contracts';
import type { BatchOutput } from '../../shared/settlement/batch';
import type { Manifest } from '../../shared/settlement/manifest';
import { callActivities, callActivity, orchestratorInput } from './typed-activities';

/** Batch calculations are retried (transient storage errors); a bad input fails all attempts alike. */
export const BATCH_RETRY = new df.RetryOptions(2000, 3);

export const settlementOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const D = NAMES.durable;
  const { jobId, maxParallelBatches } = orchestratorInput(context, D.settlementOrchestrator);
  let manifest: Manifest;
  try {
    yield* callActivity(context, D.updateJobActivity, { jobId, status: 'Started' });
    const batches = yield* callActivity(context, D.planActivity, { jobId });
    const total = batches.length;
    yield* callActivity(context, D.updateJobActivity, {
      jobId,
      status: 'Executing',
      progress: { doneBatches: 0, totalBatches: total },
    });
    context.df.setCustomStatus({ doneBatches: 0, totalBatches: total });
    const outputs: BatchOutput[] = [];
    for (let i = 0; i < total; i += maxParallelBatches) {
      const chunk = batches.slice(i, i + maxParallelBatches);
      const done = yield* callActivities(
        context,
        D.calculateBatchActivity,
        chunk.map((batch) => ({ jobId, batch })),
        BATCH_RETRY,
      );
      outputs.push(...done);
      context.df.setCustomStatus({ doneBatches: outputs.length, totalBatches: total });
      yield* callActivity(context, D.updateJobActivity, {
        jobId,
        progress: { doneBatches: outputs.length, totalBatches: total },
      });
    }
    manifest = yield* callActivity(context, D.commitActivity, { jobId, outputs });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    yield* callActivity(context, D.updateJobActivity, { jobId, status: 'Failed', error: message });
    throw e;
  }
  // Committed means Completed (results are visible); the completion event must still reach the
  // topic, since the result senders and eSett start from it. A publish failure can therefore
  // not fail the job (Completed → Failed is not a transition): it is retried, with durable
  // timers backing off between attempts, until the event is sent.
  for (let attempt = 1; ; attempt++) {
    try {
      yield* callActivity(context, D.publishActivity, { jobId });
      break;
    } catch (e) {
      const backoff = publishBackoffMs(attempt);
      context.df.setCustomStatus({
        doneBatches: manifest.files.length,
        totalBatches: manifest.files.length,
        publish: { attempts: attempt, lastError: e instanceof Error ? e.message : String(e), retryInMs: backoff },
      });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + backoff));
    }
  }
  return { jobId, rows: manifest.rows, files: manifest.files.length } satisfies SettlementOutput;
};

/** 2 s, 4 s, 8 s, … capped at 15 minutes between attempts to publish the completion event. */
export function publishBackoffMs(attempt: number): number {
  return Math.min(15 * 60_000, 2000 * 2 ** Math.min(attempt - 1, 20));
}
