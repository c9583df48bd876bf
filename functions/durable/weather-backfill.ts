/**
 * Weather backfill orchestration (issue 15, Case 2): decides only. Asks which region × year
 * chunks the ledger already holds (a restarted or repeated backfill skips them), fetches the rest
 * with at most `maxParallel` activities in flight, and writes a year's curated file as soon as
 * every chunk of that year has finished (in the same bounded pool, so the writes overlap the
 * fetching of later years). A chunk that still fails after its retries is recorded and the
 * backfill goes on: finished chunks stay stored, and the year file is written with the regions
 * that are there (the next request fetches only the missing chunk and rewrites that year). The
 * activities are thin adapters of shared/lake/weather/weather-backfill.ts.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { NAMES } from '../../shared/config/names';
import {
  fetchWeatherChunk,
  storedWeatherChunks,
  weatherChunkKey,
  writeWeatherBackfillResult,
  writeWeatherYear,
  type WeatherBackfillDeps,
  type WeatherBackfillResult,
  type WeatherYearResult,
} from '../../shared/lake/weather/weather-backfill';
import type { ActivityImpl } from '../../shared/settlement/activity-contracts';
import { activityTask, awaitTask, callActivity, firstFinished, orchestratorInput } from './typed-activities';

const D = NAMES.durable;
/** The chunk's own HTTP retries cover short outages; this covers a source down a few seconds more. */
const CHUNK_RETRY = new df.RetryOptions(2000, 2);

type Job = { kind: 'chunk'; index: number } | { kind: 'year'; year: number };

export const weatherBackfillOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = orchestratorInput(context, D.weatherBackfillOrchestrator);
  const stored = yield* callActivity(context, D.weatherStoredChunksActivity, { chunks: input.chunks });
  // per year: chunks still to finish; a year whose chunks are all stored is written first (idempotent)
  const pendingPerYear = new Map<number, number>();
  for (const c of input.chunks) pendingPerYear.set(c.year, pendingPerYear.get(c.year) ?? 0);
  const queue: Job[] = [];
  input.chunks.forEach((c, i) => {
    if (stored[i]) return;
    pendingPerYear.set(c.year, (pendingPerYear.get(c.year) as number) + 1);
    queue.push({ kind: 'chunk', index: i });
  });
  const fetchCount = queue.length;
  for (const [year, n] of pendingPerYear) if (n === 0) queue.unshift({ kind: 'year', year });

  const failed: WeatherBackfillResult['failed'] = [];
  const years: WeatherYearResult[] = [];
  const running: Array<{ task: Task; job: Job }> = [];
  let doneChunks = 0;
  const status = () => context.df.setCustomStatus({ doneChunks, totalChunks: fetchCount, yearsWritten: years.length });
  status();
  while (queue.length > 0 || running.length > 0) {
    while (queue.length > 0 && running.length < input.maxParallel) {
      const job = queue.shift() as Job;
      const task =
        job.kind === 'chunk'
          ? activityTask(context, D.weatherChunkActivity, input.chunks[job.index], CHUNK_RETRY)
          : activityTask(context, D.weatherYearActivity, { year: job.year, regions: input.regions });
      running.push({ task, job });
    }
    const winner = yield* firstFinished(
      context,
      running.map((r) => r.task),
    );
    const [{ job }] = running.splice(
      running.findIndex((r) => r.task === winner),
      1,
    );
    if (job.kind === 'year') {
      try {
        years.push(yield* awaitTask<WeatherYearResult>(winner));
      } catch (e) {
        // its chunks stay stored: the next request writes the year again without fetching them
        failed.push({ key: `year=${job.year}`, error: (e as Error).message });
      }
    } else {
      const c = input.chunks[job.index];
      try {
        yield* awaitTask(winner);
      } catch (e) {
        failed.push({ key: weatherChunkKey(c), error: (e as Error).message });
      }
      doneChunks++;
      const left = (pendingPerYear.get(c.year) as number) - 1;
      pendingPerYear.set(c.year, left);
      // the year's file goes before the remaining chunks: it frees the finished year early
      if (left === 0) queue.unshift({ kind: 'year', year: c.year });
    }
    status();
  }
  const result: WeatherBackfillResult = {
    id: input.id,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    chunks: input.chunks.length,
    skipped: input.chunks.length - fetchCount,
    fetched: fetchCount - failed.length,
    failed,
    years: years.sort((a, b) => a.year - b.year),
  };
  yield* callActivity(context, D.weatherFinishActivity, result);
  return result;
};

export function weatherBackfillActivities(deps: WeatherBackfillDeps): {
  stored: ActivityImpl<typeof D.weatherStoredChunksActivity>;
  chunk: ActivityImpl<typeof D.weatherChunkActivity>;
  year: ActivityImpl<typeof D.weatherYearActivity>;
  finish: ActivityImpl<typeof D.weatherFinishActivity>;
} {
  return {
    stored: ({ chunks }) => storedWeatherChunks(deps.partitions.blobs, chunks),
    // rebuilt field by field: the input also carries the orchestration's trace, not part of the chunk
    chunk: ({ region, latitude, longitude, year, from, to }) =>
      fetchWeatherChunk(deps, { region, latitude, longitude, year, from, to }),
    year: ({ year, regions }) => writeWeatherYear(deps, year, regions),
    finish: async (result) => {
      await writeWeatherBackfillResult(deps.partitions.blobs, result);
      return null;
    },
  };
}
