import type { InvocationContext, Timer } from '@azure/functions';
import { resumeStaleRuns, runIngestion } from '../../shared/lake/ingestion';
import { isDue, type SourceDefinition } from '../../shared/lake/source-registry';
import { dayOf } from '../../shared/lake/zones';
import type { AppDeps } from '../deps';
import type { TimerHandler } from '../registry';

/**
 * One timer per lake source (its NCRONTAB): ingests the source for the tick's UTC day when the
 * source's every-n-days rule says so, after resuming runs of earlier days whose process died.
 * A failed run is recorded (GET /api/lake/runs), logged as an
 * error, and left for an operator's re-run (POST /api/lake/runs) — the invocation itself succeeds
 * so the host does not re-fire the whole timer.
 */
export function lakeIngestionHandler(deps: AppDeps, source: SourceDefinition): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const day = dayOf(deps.clock().getTime());
    for (const r of await resumeStaleRuns(deps.lake, source, day))
      context.log(`lake ${source.name} ${r.day}: resumed an interrupted run: ${r.status}`);
    if (!isDue(source, day)) {
      context.log(`lake ${source.name}: not due on ${day} (every ${source.schedule.everyDays} days)`);
      return;
    }
    const state = await runIngestion(deps.lake, source, day);
    if (state.status === 'failed')
      context.error(`lake ${source.name} ${day}: failed after ${state.attempts} attempts: ${state.error}`);
    else context.log(`lake ${source.name} ${day}: ${state.status}, ${state.curated.length} curated partitions`);
  };
}
