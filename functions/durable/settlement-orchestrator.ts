/**
 * The coordinator. Decides only: no I/O, no clock, no randomness (it is replayed). Plans
 * batches, fans out with bounded parallelism and retries, fans in, commits (manifest last),
 * then publishes calculation-completed. Any failure marks the job Failed.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import type { Batch, BatchOutput } from '../../shared/settlement/batch';
import type { Manifest } from '../../shared/settlement/manifest';

export interface SettlementInput {
  jobId: string;
  maxParallelBatches: number;
}

export interface JobUpdateInput {
  jobId: string;
  status?: 'Started' | 'Executing' | 'Failed';
  error?: string;
  progress?: { doneBatches: number; totalBatches: number };
}

/** Batch calculations are retried (transient storage errors); a bad input fails all attempts alike. */
export const BATCH_RETRY = new df.RetryOptions(2000, 3);

export const settlementOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { jobId, maxParallelBatches } = context.df.getInput() as SettlementInput;
  const D = NAMES.durable;
  try {
    yield context.df.callActivity(D.updateJobActivity, { jobId, status: 'Started' } satisfies JobUpdateInput);
    const batches = (yield context.df.callActivity(D.planActivity, { jobId })) as Batch[];
    const total = batches.length;
    yield context.df.callActivity(D.updateJobActivity, { jobId, status: 'Executing', progress: { doneBatches: 0, totalBatches: total } } satisfies JobUpdateInput);
    context.df.setCustomStatus({ doneBatches: 0, totalBatches: total });
    const outputs: BatchOutput[] = [];
    for (let i = 0; i < total; i += maxParallelBatches) {
      const chunk = batches.slice(i, i + maxParallelBatches);
      const done = (yield context.df.Task.all(chunk.map((batch) => context.df.callActivityWithRetry(D.calculateBatchActivity, BATCH_RETRY, { jobId, batch })))) as BatchOutput[];
      outputs.push(...done);
      context.df.setCustomStatus({ doneBatches: outputs.length, totalBatches: total });
      yield context.df.callActivity(D.updateJobActivity, { jobId, progress: { doneBatches: outputs.length, totalBatches: total } } satisfies JobUpdateInput);
    }
    const manifest = (yield context.df.callActivity(D.commitActivity, { jobId, outputs })) as Manifest;
    yield context.df.callActivityWithRetry(D.publishActivity, BATCH_RETRY, { jobId });
    return { jobId, rows: manifest.rows, files: manifest.files.length };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    yield context.df.callActivity(D.updateJobActivity, { jobId, status: 'Failed', error: message } satisfies JobUpdateInput);
    throw e;
  }
};
