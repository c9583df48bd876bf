import type { InvocationContext, Timer } from '@azure/functions';
import type { ScheduleEntry } from '../../shared/config/settings';
import { periodLimitViolation } from '../../shared/settlement/period-limits';
import { alreadyScheduled, scheduledSpec } from '../../shared/settlement/schedule';
import { startJob } from '../../shared/settlement/use-cases/start-job';
import { startJobDeps, type AppDeps } from '../deps';
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
    // settings refuse a schedule the limit would always reject; this guards the tick itself
    const tooLong = periodLimitViolation(
      spec.calculationType,
      Date.parse(spec.periodStart),
      Date.parse(spec.periodEnd),
      deps.settings.periodLimits,
    );
    if (tooLong) {
      context.error(`schedule ${entry.name}: not started: ${tooLong}`);
      return;
    }
    if (await alreadyScheduled(deps.jobs, spec)) {
      context.log(
        `schedule ${entry.name}: ${spec.calculationType} ${spec.periodStart}..${spec.periodEnd} already exists; not starting another`,
      );
      return;
    }
    const started = await startJob(startJobDeps(deps, context), deps.newId(), spec, tick);
    if (started.kind === 'alreadyActive') return;
    // the use case marked the job Failed; the invocation fails with what the start threw
    if (started.kind === 'startFailed') throw started.error;
    context.log(`schedule ${entry.name}: started job ${started.job.id}`);
  };
}
