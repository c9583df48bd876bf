import type { InvocationContext, Timer } from '@azure/functions';
import { NAMES } from '../../shared/config/names';
import type { ScheduleEntry } from '../../shared/config/settings';
import { alreadyScheduled, scheduledSpec } from '../../shared/settlement/schedule';
import type { AppDeps } from '../deps';
import type { TimerHandler } from '../registry';

/** One timer per schedule entry: starts the entry's settlement unless it already exists. */
export function scheduledSettlementHandler(deps: AppDeps, entry: ScheduleEntry): TimerHandler {
  return async (_timer: Timer, context: InvocationContext) => {
    const tick = deps.clock();
    const spec = scheduledSpec(entry, tick, await deps.knownGridAreas());
    if (spec.gridAreas.length === 0) {
      context.warn(`schedule ${entry.name}: no grid areas in the basis data; nothing to settle`);
      return;
    }
    if (await alreadyScheduled(deps.jobs, spec)) {
      context.log(`schedule ${entry.name}: ${spec.calculationType} ${spec.periodStart}..${spec.periodEnd} already exists; not starting another`);
      return;
    }
    const { job, created } = await deps.jobs.createOrGetActive(deps.newId(), spec, tick);
    if (!created) return;
    try {
      await deps.orchestrationClient(context).start(NAMES.durable.settlementOrchestrator, job.id, { jobId: job.id, maxParallelBatches: deps.settings.maxParallelBatches });
    } catch (e) {
      await deps.jobs.transition(job.id, 'Failed', deps.clock(), { error: `could not start the orchestration: ${(e as Error).message}` });
      throw e;
    }
    context.log(`schedule ${entry.name}: started job ${job.id}`);
  };
}
