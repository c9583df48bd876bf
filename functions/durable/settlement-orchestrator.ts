/**
 * The coordinator. Decides only: no I/O, no clock, no randomness (it is replayed). Plans
 * batches, runs them in sub-orchestrations over a sliding window, commits (manifest last), then
 * publishes calculation-completed (retried until sent). Any failure before the commit marks the
 * job Failed.
 *
 * Scale-out design (issue 11, "orchestration at scale"):
 * - History size: batches run in *groups* (shared/settlement/batch-groups.ts): one grid area per
 *   group, split into parts of ≤ 100 batches (and ≤ ceil(total/10), so progress advances in ≥ 10
 *   steps). Each group is a sub-orchestration (batch-group-orchestrator.ts, instance id
 *   `{jobId}:{gridArea}-{part}`) with its own history; this orchestration's history holds one task
 *   per group plus one progress update per group, never one task per batch.
 * - Global window: at most `maxParallelBatches` batch activities are in flight for the job. The
 *   parent hands each group a *share* of that window when it starts the group and takes it back
 *   when the group ends; the shares of running groups never sum to more than the window, and a
 *   group never runs more batches at once than its share, so the limit holds job-wide. A group's
 *   share is ≤ a quarter of its batches (its last, partly filled round stays short) and a group
 *   starts only with at least half its desired share (else it waits for a running group to end;
 *   with none running the whole window is free). Largest groups start first.
 * - Sliding, not chunked: inside a group the next batch starts as soon as any of its batches
 *   finishes (Task.any); here the next group starts as soon as any group finishes and frees its
 *   share. Idle slots are bounded by the ending groups' tails, not by the slowest batch of a chunk.
 * - Progress: when a group ends, this custom status advances and the job's doneBatches /
 *   totalBatches are updated by an activity that runs beside the groups (one at a time, the next
 *   one carrying the latest count), so it never delays the next group; each group's custom
 *   status shows its own batches.
 * - durable-functions' Task.any never completes when built over a task that already finished
 *   (two completions in one episode), so the loops take a finished task directly
 *   (typed-activities.ts firstFinished).
 * - Failure: a batch is retried inside its group (BATCH_RETRY); when its attempts run out the
 *   group fails, the failure reaches here as an error, and the job is marked Failed (groups still
 *   running are left to end; nothing is committed).
 */
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import type { SettlementOutput } from '../../shared/settlement/activity-contracts';
import type { Batch, BatchOutput } from '../../shared/settlement/batch';
import { groupBatches, startShare, type BatchGroup } from '../../shared/settlement/batch-groups';
import { BatchGroupOutputMissingError } from '../../shared/settlement/errors';
import type { Manifest } from '../../shared/settlement/manifest';
import {
  activityTask,
  awaitTask,
  callActivity,
  firstFinished,
  orchestratorInput,
  subOrchestrationTask,
} from './typed-activities';

export { BATCH_RETRY } from './batch-group-orchestrator';

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
    const outputs = yield* runGroups(context, jobId, batches, maxParallelBatches);
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

/** Runs the batches in groups (sub-orchestrations) sharing the window; outputs in plan order. */
function* runGroups(
  context: OrchestrationContext,
  jobId: string,
  batches: Batch[],
  window: number,
): Generator<Task, BatchOutput[], unknown> {
  const D = NAMES.durable;
  const groups = groupBatches(batches);
  const total = batches.length;
  const byBatch = new Map<string, BatchOutput>();
  const running: Array<{ task: Task; share: number; group: BatchGroup }> = [];
  // The job's progress update runs beside the groups (at most one at a time, coalescing), so a
  // group that ends never waits for the previous update before the next group starts.
  let update: Task | undefined;
  let reported = 0;
  let free = window;
  let next = 0;
  let done = 0;
  const progress = (): Task =>
    activityTask(context, D.updateJobActivity, { jobId, progress: { doneBatches: done, totalBatches: total } });
  while (next < groups.length || running.length > 0) {
    for (; next < groups.length; next++) {
      const group = groups[next];
      const share = startShare(group.batches.length, window, free);
      if (share === 0) break;
      const task = subOrchestrationTask(
        context,
        D.batchGroupOrchestrator,
        { jobId, batches: group.batches, window: share },
        `${context.df.instanceId}:${group.key}`,
      );
      running.push({ task, share, group });
      free -= share;
    }
    if (!update && reported !== done) {
      update = progress();
      reported = done;
    }
    const winner = yield* firstFinished(context, [...running.map((r) => r.task), ...(update ? [update] : [])]);
    if (winner === update) {
      update = undefined;
      yield* awaitTask<null>(winner); // a failed update fails the job, as before
      continue;
    }
    const [finished] = running.splice(
      running.findIndex((r) => r.task === winner),
      1,
    );
    free += finished.share;
    // yielding the finished group hands back its outputs (in its batches' order), or throws its failure
    const outs = yield* awaitTask<BatchOutput[]>(winner);
    finished.group.batches.forEach((b, i) => byBatch.set(b.id, outs[i]));
    done += finished.group.batches.length;
    context.df.setCustomStatus({ doneBatches: done, totalBatches: total });
  }
  if (update) yield* awaitTask<null>(update);
  if (reported !== done) yield* awaitTask<null>(progress());
  return batches.map((b) => {
    const o = byBatch.get(b.id);
    if (!o) throw new BatchGroupOutputMissingError(jobId, b.id);
    return o;
  });
}

/** 2 s, 4 s, 8 s, … capped at 15 minutes between attempts to publish the completion event. */
export function publishBackoffMs(attempt: number): number {
  return Math.min(15 * 60_000, 2000 * 2 ** Math.min(attempt - 1, 20));
}
