/**
 * Market data backfill orchestration: decides only. Asks which chunks are already stored (a
 * restarted or repeated backfill skips them), runs the rest as retried chunk activities with at
 * most `maxParallel` in flight, records a chunk that still fails and goes on (one bad week does
 * not lose the others), and writes the result record last. The activities are thin adapters of
 * shared/market-data/use-cases/backfill.ts.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import {
  chunkKey,
  ingestChunk,
  storedChunks,
  writeBackfillResult,
  type BackfillResult,
  type ChunkResult,
} from '../../shared/market-data/use-cases/backfill';
import type { MarketDataIngestDeps } from '../../shared/market-data/use-cases/ingest';
import type { ActivityImpl } from '../../shared/settlement/activity-contracts';
import { activityTask, awaitTask, callActivity, firstFinished, orchestratorInput } from './typed-activities';

const D = NAMES.durable;
/** A chunk's own HTTP retries cover short outages; this covers a source down for a few seconds more. */
const CHUNK_RETRY = new df.RetryOptions(2000, 2);

export const marketDataBackfillOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = orchestratorInput(context, D.marketDataBackfillOrchestrator);
  const stored = yield* callActivity(context, D.marketDataStoredChunksActivity, { chunks: input.chunks });
  const todo = input.chunks.filter((_, i) => !stored[i]);
  const failed: BackfillResult['failed'] = [];
  const running: Array<{ task: Task; index: number }> = [];
  let next = 0;
  let done = 0;
  context.df.setCustomStatus({ doneChunks: 0, totalChunks: todo.length });
  while (next < todo.length || running.length > 0) {
    while (next < todo.length && running.length < input.maxParallel)
      running.push({
        task: activityTask(context, D.marketDataChunkActivity, todo[next], CHUNK_RETRY),
        index: next++,
      });
    const winner = yield* firstFinished(
      context,
      running.map((r) => r.task),
    );
    const [finished] = running.splice(
      running.findIndex((r) => r.task === winner),
      1,
    );
    try {
      yield* awaitTask<ChunkResult>(winner);
    } catch (e) {
      const c = todo[finished.index];
      failed.push({ key: chunkKey(c), area: c.area, error: (e as Error).message });
    }
    context.df.setCustomStatus({ doneChunks: ++done, totalChunks: todo.length });
  }
  const result: BackfillResult = {
    id: input.id,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    chunks: input.chunks.length,
    skipped: input.chunks.length - todo.length,
    fetched: todo.length - failed.length,
    failed,
  };
  yield* callActivity(context, D.marketDataFinishActivity, result);
  return result;
};

export function marketDataActivities(deps: MarketDataIngestDeps): {
  stored: ActivityImpl<typeof D.marketDataStoredChunksActivity>;
  chunk: ActivityImpl<typeof D.marketDataChunkActivity>;
  finish: ActivityImpl<typeof D.marketDataFinishActivity>;
} {
  return {
    stored: ({ chunks }) => storedChunks(deps.store, chunks),
    chunk: (chunk) => ingestChunk(deps, chunk),
    finish: async (result) => {
      await writeBackfillResult(deps.store, result);
      return null;
    },
  };
}
